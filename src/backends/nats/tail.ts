/**
 * A live feed of a target on NATS: an ordered consumer (ephemeral, recreated by nats.js
 * after gaps and reconnects) over the target's filter subjects. It starts after a global
 * position or at a wall-clock instant; for an instant, the server positions the consumer by
 * time and every message is still checked against the instant at nanosecond precision, so a
 * message stored earlier is never yielded.
 */
import {
  type ConsumerMessages,
  DeliverPolicy,
  type OrderedConsumerOptions,
} from "@nats-io/jetstream";
import type { TailStart } from "../../backend.ts";
import { isMalformedMessageError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import { pause } from "../../util/pause.ts";
import type { NatsContext } from "./context.ts";
import { storedFromDelivery } from "./direct-get.ts";

/** How often a tail looks again for a category that has no JetStream stream yet. */
export const TAIL_STORAGE_POLL_MS = 250;

const NANOS_PER_MILLI = 1_000_000n;

/**
 * Milliseconds since the epoch (fractional) as nanoseconds. A double near today's epoch holds
 * the fraction only to about a quarter of a microsecond, so it is rounded up to the next whole
 * microsecond: a start may move later by less than that, never earlier than the instant.
 */
export function epochNanos(timeMs: number): bigint {
  const whole = Math.floor(timeMs);
  const micros = Math.ceil((timeMs - whole) * 1000);
  return BigInt(whole) * NANOS_PER_MILLI + BigInt(micros) * 1000n;
}

/** An RFC 3339 timestamp with nanoseconds, e.g. `2024-05-01T10:00:00.123456789Z`. */
export function rfc3339Nanos(nanosSinceEpoch: bigint): string {
  const millis = nanosSinceEpoch / NANOS_PER_MILLI;
  const seconds = new Date(Number(millis)).toISOString().slice(0, 19);
  const fraction = (nanosSinceEpoch % 1_000_000_000n).toString().padStart(9, "0");
  return `${seconds}.${fraction}Z`;
}

async function waitForStorage(
  nats: NatsContext,
  category: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  while (!signal.aborted) {
    const storage = await nats.storageFor(category, false);
    if (storage !== undefined) return storage;
    await pause(TAIL_STORAGE_POLL_MS, signal);
  }
  return undefined;
}

function orderedOptions(
  nats: NatsContext,
  target: ParsedTarget,
  start: TailStart,
  sinceNanos: bigint | undefined,
): Partial<OrderedConsumerOptions> {
  const filter_subjects = nats.subjects.targetFilters(target);
  if (sinceNanos !== undefined) {
    return {
      filter_subjects,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: rfc3339Nanos(sinceNanos),
    };
  }
  const after = "afterGlobalPosition" in start ? start.afterGlobalPosition : 0;
  return {
    filter_subjects,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(after + 1, 1),
  };
}

/** Every message of `target` from `start` on, live, until `signal` aborts. Malformed bodies are skipped. */
export async function* tailNats(
  nats: NatsContext,
  target: ParsedTarget,
  start: TailStart,
  signal: AbortSignal,
): AsyncGenerator<RecordedMessage> {
  const storage = await waitForStorage(nats, target.category, signal);
  if (storage === undefined) return;
  const sinceNanos = "sinceTimeMs" in start ? epochNanos(start.sinceTimeMs) : undefined;
  const consumer = await nats.jetstream.consumers.get(
    storage,
    orderedOptions(nats, target, start, sinceNanos),
  );
  if (signal.aborted) return;
  const messages: ConsumerMessages = await consumer.consume();
  const stop = (): void => {
    messages.close().catch(() => {});
  };
  signal.addEventListener("abort", stop, { once: true });
  try {
    if (signal.aborted) return;
    for await (const msg of messages) {
      if (signal.aborted) return;
      if (sinceNanos !== undefined && msg.timestampNanos < sinceNanos) continue;
      try {
        yield nats.decode(target.category, storedFromDelivery(storage, msg));
      } catch (error) {
        if (!isMalformedMessageError(error)) throw error;
        nats.options.logger.warn(
          { storage, sequence: msg.seq, subject: msg.subject, err: error },
          "tail skipped a malformed message",
        );
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
    await messages.close().catch(() => {});
  }
}
