import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import type { MessageStore } from "../../src/store.ts";
import { hasNats, startDedicatedServer, uniquePrefix } from "../support/nats.ts";

/** How long `vi.waitFor` polls for an asynchronous outcome (a safety net, not a timing target). */
const patiently = { timeout: 60_000, interval: 20 };
/** The promise: a subscription resumes within 10 s of the server's return. */
const RESUME_WITHIN_MS = 10_000;

let server: RunningNatsServer | undefined;
let store: MessageStore | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  child?.kill("SIGKILL");
  await store?.close();
  await server?.stop();
  child = undefined;
  store = undefined;
  server = undefined;
});

describe.skipIf(!hasNats())("NATS consumers at scale", () => {
  it("a 10k-message consume survives a server restart: none lost, resumed soon after", {
    timeout: 180_000,
  }, async () => {
    server = await startDedicatedServer();
    store = await connect(server.url, { prefix: uniquePrefix("scale"), timeoutMs: 5000 });
    const streams = 100;
    const perStream = 100;
    for (let stream = 0; stream < streams; stream += 1) {
      const batch = Array.from({ length: perStream }, (_, index) => ({
        type: "N",
        data: index,
      }));
      await store.write(`item-${stream}`, batch);
    }
    const handled = new Set<number>();
    const sub = store.subscribe("item", {
      consumer: "bulk",
      concurrency: 8,
      handlers: {
        N: async (message) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          handled.add(message.globalPosition);
        },
      },
    });
    const statuses: string[] = [];
    void (async () => {
      for await (const event of sub.status()) statuses.push(event.type);
    })();
    await sub.start();
    await vi.waitFor(() => expect(handled.size).toBeGreaterThan(2000), patiently);
    await server.restart();
    const atReturn = handled.size;
    expect(atReturn).toBeLessThan(streams * perStream);
    await vi.waitFor(() => expect(handled.size).toBeGreaterThan(atReturn), {
      timeout: RESUME_WITHIN_MS,
      interval: 20,
    });
    await vi.waitFor(() => expect(handled.size).toBe(streams * perStream), patiently);
    const positions = [...handled].sort((a, b) => a - b);
    expect(positions[0]).toBe(1);
    expect(positions.at(-1)).toBe(streams * perStream);
    expect(sub.running).toBe(true);
    // The connection's side of the restart shows in status(), apart from the messages.
    expect(statuses).toEqual(
      expect.arrayContaining(["started", "connected", "disconnected", "reconnected"]),
    );
    await sub.stop();
  });

  it("a client killed mid-handler: the message goes to another process of the same consumer", {
    timeout: 60_000,
  }, async () => {
    server = await startDedicatedServer();
    const prefix = uniquePrefix("kill");
    store = await connect(server.url, { prefix });
    const id = randomUUID();
    await store.write("job-1", { id, type: "Run" });
    const ackWaitMs = 2000;
    const script = fileURLToPath(new URL("./hang-in-handler.ts", import.meta.url));
    child = spawn(process.execPath, ["--import", "tsx", script], {
      env: {
        ...process.env,
        SCALE_URL: server.url,
        SCALE_PREFIX: prefix,
        SCALE_CONSUMER: "worker",
        SCALE_ACK_WAIT_MS: String(ackWaitMs),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await vi.waitFor(() => expect(output).toContain(`handling ${id} attempt 1`), patiently);
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const attempts: number[] = [];
    const sub = store.subscribe("job", {
      consumer: "worker",
      ackWaitMs,
      handlers: {
        Run: (message, context) => {
          if (message.id === id) attempts.push(context.attempt);
        },
      },
    });
    await sub.start();
    await vi.waitFor(() => expect(attempts).toEqual([2]), patiently);
    await sub.stop();
  });
});
