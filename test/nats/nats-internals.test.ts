/**
 * What the store relies on in nats.js beyond its typed API, pinned so that an upgrade that
 * changes it fails here, loudly, instead of slowing or stalling subscriptions in production.
 * Known good: nats.js 3.4.0 (docs/backends.md).
 */
import { AckPolicy, type JsMsg, jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveryFactsOf, replySubjectOf } from "../../src/backends/nats/reply-subject.ts";
import { hasNats, uniquePrefix } from "../support/nats.ts";
import { encode, openRawNats, type RawNats } from "./nats-helpers.ts";

describe.skipIf(!hasNats())("nats.js details the store relies on", () => {
  let raw: RawNats;
  let stream: string;
  let subject: string;
  beforeAll(async () => {
    raw = await openRawNats();
    const prefix = uniquePrefix("internals");
    stream = `${prefix}-acct`;
    subject = `${prefix}.acct.1.0`;
    await raw.manager.streams.add({ name: stream, subjects: [`${prefix}.acct.>`] });
    await jetstream(raw.connection).publish(subject, encode({ type: "Opened" }));
  });
  afterAll(async () => {
    await raw.manager.streams.delete(stream).catch(() => false);
    await raw.close();
  });

  async function consumeOne(durable: string, ack: (msg: JsMsg) => void): Promise<JsMsg> {
    await raw.manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      // Short, so a nak lost with the closing consume still comes back soon.
      ack_wait: 1_000_000_000,
    });
    const consumer = await jetstream(raw.connection).consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: 10 });
    const iterator = messages[Symbol.asyncIterator]();
    const { value } = await iterator.next();
    ack(value as JsMsg);
    await raw.connection.flush();
    // A consume whose iterator is not read on closes only once the iterator is returned
    // (consumer.ts relies on this when it releases a consume).
    await iterator.return?.();
    await expect(
      Promise.race([messages.close().then(() => "closed"), timeout(2000)]),
    ).resolves.toBe("closed");
    return value as JsMsg;
  }

  it("a delivered JsMsg has a `reply` getter with its JetStream ack subject", async () => {
    const msg = await consumeOne("reply", (m) => m.ack());
    const reply = replySubjectOf(msg);
    expect(reply).toMatch(/^\$JS\.ACK\./);
  });

  it("the ack subject holds the delivery count, stream sequence and time that msg.info parses", async () => {
    const first = await consumeOne("facts", (m) => m.nak());
    const again = await consumeOne("facts", (m) => m.ack());
    for (const msg of [first, again]) {
      expect(deliveryFactsOf(replySubjectOf(msg))).toEqual({
        deliveryCount: msg.info.deliveryCount,
        sequence: msg.info.streamSequence,
        storedAtMs: msg.time.getTime(),
      });
    }
    expect(deliveryFactsOf(replySubjectOf(again))?.deliveryCount).toBeGreaterThan(1);
  });
});

function timeout(ms: number): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve("timed out"), ms).unref());
}
