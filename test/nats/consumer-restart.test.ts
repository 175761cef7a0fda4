import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "../../src/connect.ts";
import { isTimeoutError } from "../../src/errors.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import type { MessageStore } from "../../src/store.ts";
import { hasNats, startDedicatedServer, uniquePrefix } from "../support/nats.ts";

let server: RunningNatsServer | undefined;
let store: MessageStore | undefined;

afterEach(async () => {
  await store?.close();
  await server?.stop();
  store = undefined;
  server = undefined;
});

/**
 * A write right after a restart may time out (the request can be lost while the client
 * reconnects); retrying with the same message id is safe by design, so the test does that.
 */
async function writeAfterRestart(target: MessageStore, id: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await target.write("acct-1", { id, type: "Opened" });
      return;
    } catch (error) {
      if (!isTimeoutError(error) || tries >= 5) throw error;
    }
  }
}

async function eventually(check: () => void | Promise<void>, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.skipIf(!hasNats())("NATS subscription across a server restart", () => {
  it("keeps consuming after the server restarts mid-consume", { timeout: 120_000 }, async () => {
    server = await startDedicatedServer();
    store = await connect(server.url, { prefix: uniquePrefix("restart"), timeoutMs: 5000 });
    const seen: number[] = [];
    const sub = store.subscribe("acct", {
      consumer: "survivor",
      handlers: { Opened: (message) => void seen.push(message.position) },
    });
    await store.write("acct-1", { type: "Opened" });
    await sub.start();
    await eventually(() => expect(seen).toEqual([0]));
    await server.restart();
    await writeAfterRestart(store, randomUUID());
    await eventually(() => expect(seen).toEqual([0, 1]));
    // A crash (no clean shutdown) as well.
    await server.kill();
    await server.restart();
    await writeAfterRestart(store, randomUUID());
    await eventually(() => expect(seen).toEqual([0, 1, 2]));
    expect(sub.running).toBe(true);
    await sub.stop();
  });
});
