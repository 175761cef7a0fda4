/**
 * What a JetStream delivery's reply subject tells: where its ack goes, and the delivery count,
 * stream sequence and time the server put in it (ADR-15):
 *
 *     $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>
 *     $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>[.<token>]
 *
 * nats.js parses it too (`msg.info`), into an object of eleven fields with five `parseInt`s;
 * a subscription needs three of them for every delivery, and that parse showed in bench W4.
 * Both rely on nats.js details its `JsMsg` type does not promise (the `reply` getter), so
 * `test/nats/nats-internals.test.ts` pins them: an upgrade that changes them fails there.
 */
import type { JsMsg } from "@nats-io/jetstream";

/** The facts of one delivery the subscription needs. */
export interface DeliveryFacts {
  /** 1-based. */
  readonly deliveryCount: number;
  readonly sequence: number;
  /** When the message was stored, milliseconds since the epoch. */
  readonly storedAtMs: number;
}

/**
 * Where a delivered message's ack goes. nats.js's message class has it, but its `JsMsg` type
 * does not say so; `undefined` when it is missing.
 */
export function replySubjectOf(msg: JsMsg): string | undefined {
  const reply: unknown = (msg as { readonly reply?: unknown }).reply;
  return typeof reply === "string" && reply !== "" ? reply : undefined;
}

/** The facts in `reply`, or `undefined` when it is not a JetStream ack subject. */
export function deliveryFactsOf(reply: string | undefined): DeliveryFacts | undefined {
  if (reply === undefined || !reply.startsWith("$JS.ACK.")) return undefined;
  // Where each token starts, found without splitting: a split made a dozen strings per delivery.
  const starts = [0];
  for (
    let dot = reply.indexOf(".");
    dot !== -1 && starts.length < 13;
    dot = reply.indexOf(".", dot + 1)
  ) {
    starts.push(dot + 1);
  }
  // The short form (9 tokens) lacks the domain and account hash.
  const first = starts.length === 9 ? 4 : starts.length >= 11 ? 6 : -1;
  if (first === -1) return undefined;
  const token = (index: number): number =>
    Number(reply.slice(starts[index] as number, (starts[index + 1] ?? reply.length + 1) - 1));
  const deliveryCount = token(first);
  const sequence = token(first + 1);
  const storedAtNanos = token(first + 3);
  if (!Number.isSafeInteger(deliveryCount) || !Number.isSafeInteger(sequence)) return undefined;
  if (!Number.isFinite(storedAtNanos)) return undefined;
  return { deliveryCount, sequence, storedAtMs: Math.floor(storedAtNanos / 1e6) };
}
