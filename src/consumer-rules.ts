/**
 * What every layer agrees on about a durable consumer: which names it may have, and the ack
 * wait it gets when nobody says otherwise. Subscriptions, the consumer administration and the
 * backends all read these, so they live below all of them.
 */
import { InvalidOptionsError } from "./errors.ts";

/** Redelivery timeout of a consumer whose handler neither finishes nor reports progress. @default 30000 */
export const DEFAULT_ACK_WAIT_MS = 30_000;

// A consumer name becomes a JetStream durable name, which cannot hold these.
const UNSAFE_CONSUMER_NAME = /[\s.*>/\\]/;

/** `consumer` when it is a valid durable name; otherwise `InvalidOptionsError` naming `call`. */
export function checkConsumerName(consumer: unknown, call: string): string {
  if (
    typeof consumer !== "string" ||
    consumer.length === 0 ||
    UNSAFE_CONSUMER_NAME.test(consumer)
  ) {
    throw new InvalidOptionsError(
      `${call}: consumer must be a non-empty name without whitespace, ".", "*", ">", "/" or "\\", got ${JSON.stringify(consumer)}`,
    );
  }
  return consumer;
}
