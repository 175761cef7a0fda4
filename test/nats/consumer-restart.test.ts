import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import { isTimeoutError } from "../../src/errors.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import type { MessageStore } from "../../src/store.ts";
import { hasNats, startDedicatedServer, uniquePrefix } from "../support/nats.ts";

/** How long `vi.waitFor` polls for an asynchronous outcome (a safety net, not a timing target). */
const patiently = { timeout: 30_000, interval: 10 };

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

/**
 * Waits until the server has recorded the acks of everything handled. An ack still on its way
 * when the server stops may be lost, and the message then comes back after the ack wait,
 * which at-least-once delivery allows but this test's exact expectations do not.
 */
async function acksRecorded(target: MessageStore): Promise<void> {
  await vi.waitFor(
    async () => expect((await target.consumerInfo("acct", "survivor"))?.inFlight).toBe(0),
    patiently,
  );
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
    await vi.waitFor(() => expect(seen).toEqual([0]), patiently);
    await acksRecorded(store);
    await server.restart();
    await writeAfterRestart(store, randomUUID());
    await vi.waitFor(() => expect(seen).toEqual([0, 1]), patiently);
    await acksRecorded(store);
    // A crash (no clean shutdown) as well.
    await server.kill();
    await server.restart();
    await writeAfterRestart(store, randomUUID());
    await vi.waitFor(() => expect(seen).toEqual([0, 1, 2]), patiently);
    expect(sub.running).toBe(true);
    await sub.stop();
  });
});
