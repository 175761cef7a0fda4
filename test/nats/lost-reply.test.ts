/**
 * A write whose reply is lost landed, but its caller saw a timeout. Retrying it with the same
 * message ids must not store it twice, for every expected version the docs call safe: blind
 * ("any", "exists") retries by the same store instance, and exact ones from anywhere.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISH_ATTEMPT_TIMEOUT_MS } from "../../src/backends/nats/publish.ts";
import {
  connect,
  type ExpectedVersion,
  isTimeoutError,
  type Message,
  type MessageStore,
} from "../../src/index.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { type ReplyHoldingProxy, startReplyHoldingProxy } from "../support/reply-holding-proxy.ts";

interface Scenario {
  readonly name: string;
  /** Messages already in the stream before the write whose reply is lost. */
  readonly seeded: number;
  readonly expected: ExpectedVersion;
  readonly batch: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'a blind write ("any")', seeded: 1, expected: "any", batch: 1 },
  { name: 'a blind write to a new stream ("any")', seeded: 0, expected: "any", batch: 1 },
  { name: 'an "exists" write', seeded: 2, expected: "exists", batch: 1 },
  { name: "a blind array write", seeded: 1, expected: "any", batch: 3 },
  { name: "a write with an exact version", seeded: 2, expected: 1, batch: 1 },
  { name: 'a "no_stream" array write', seeded: 0, expected: "no_stream", batch: 2 },
];

describe.skipIf(!hasNats())("a write whose reply is lost", () => {
  let proxy: ReplyHoldingProxy;
  let store: MessageStore;

  beforeAll(async () => {
    proxy = await startReplyHoldingProxy(natsUrl());
    store = await connect(proxy.url, { prefix: uniquePrefix("lost"), timeoutMs: 400 });
  });
  afterAll(async () => {
    await store.close();
    await proxy.close();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.name} is stored once when retried with the same ids`, async () => {
      const stream = `acct-${randomUUID().slice(0, 8)}`;
      for (let index = 0; index < scenario.seeded; index += 1)
        await store.write(stream, { type: "Seeded" });
      const messages: Message[] = Array.from({ length: scenario.batch }, (_, index) => ({
        id: randomUUID(),
        type: "Deposited",
        data: { index },
      }));
      const write = () =>
        store.write(stream, scenario.batch === 1 ? (messages[0] as Message) : messages, {
          expectedVersion: scenario.expected,
        });

      proxy.hold();
      const lost = await write().catch((error: unknown) => error);
      proxy.release();
      expect(isTimeoutError(lost)).toBe(true);

      const retried = await write();
      const lastPosition = scenario.seeded + scenario.batch - 1;
      expect(retried.position).toBe(lastPosition);
      expect(await write()).toEqual(retried);
      const stored = await store.get(stream);
      expect(stored.map((message) => message.position)).toEqual(
        Array.from({ length: lastPosition + 1 }, (_, index) => index),
      );
      expect(stored.slice(scenario.seeded).map((message) => message.id)).toEqual(
        messages.map((message) => message.id),
      );
    });
  }

  for (const expectedVersion of ["any", 0] as const) {
    it(`a publish sent again after no answer is not stored twice when the first one landed (expectedVersion ${expectedVersion})`, async () => {
      // A timeoutMs longer than one attempt: the writer itself sends the publish again, and
      // the server refuses the second copy because the first holds the position.
      const patient = await connect(proxy.url, { prefix: store.options.prefix, timeoutMs: 6000 });
      try {
        const stream = `acct-${randomUUID().slice(0, 8)}`;
        await patient.write(stream, { type: "Seeded" });
        proxy.hold();
        const writing = patient.write(stream, { type: "Deposited" }, { expectedVersion });
        await sleep(PUBLISH_ATTEMPT_TIMEOUT_MS + 300);
        proxy.release();
        await expect(writing).resolves.toMatchObject({ position: 1 });
        expect((await patient.get(stream)).map((message) => message.type)).toEqual([
          "Seeded",
          "Deposited",
        ]);
      } finally {
        await patient.close();
      }
    });
  }

  it("a retry after another writer moved the stream still finds the lost write", async () => {
    const stream = `acct-${randomUUID().slice(0, 8)}`;
    await store.write(stream, { type: "Seeded" });
    const message = { id: randomUUID(), type: "Deposited" };
    proxy.hold();
    const lost = await store.write(stream, message).catch((error: unknown) => error);
    proxy.release();
    expect(isTimeoutError(lost)).toBe(true);
    const other = await connect(natsUrl(), { prefix: store.options.prefix });
    try {
      await other.write(stream, { type: "ByAnotherWriter" });
    } finally {
      await other.close();
    }
    expect((await store.write(stream, message)).position).toBe(1);
    const ids = (await store.get(stream)).map((stored) => stored.id);
    expect(ids.filter((id) => id === message.id)).toHaveLength(1);
    expect(ids).toHaveLength(3);
  });
});
