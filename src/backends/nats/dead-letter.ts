/**
 * Dead letters on NATS: the original body, byte for byte, on
 * `{prefix}.{deadLetter}.{original subject without prefix}`, with headers that say why it
 * died and where it came from. The dead-letter category's stream has no position guard,
 * because one message may be dead-lettered more than once (a replay, a second consumer).
 *
 * Zencastr's subscriptions dead-letter to the same subject, but republish the body alone:
 * such a dead letter is read back with its original stream from the subject, and with
 * consumer, attempts, error and original sequence unknown.
 */
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import type { CategorySettings, DeadLetter, DeadLetterRecord } from "../../backend.ts";
import { isMalformedMessageError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { ResolvedOptions } from "../../options.ts";
import type { NatsContext, StoredMessage } from "./context.ts";
import { decodeStored, zencastrDeadLetterPlace } from "./decode.ts";
import { deliveredSubject } from "./subjects.ts";

/** Header names of a dead letter (DESIGN §2a). */
export const DEAD_LETTER_HEADERS = {
  reason: "Ms-Dead-Letter-Reason",
  error: "Ms-Dead-Letter-Error",
  attempts: "Ms-Dead-Letter-Attempts",
  consumer: "Ms-Dead-Letter-Consumer",
  originalStream: "Ms-Original-Stream",
  originalSequence: "Ms-Original-Sequence",
  /** When the original was stored (RFC 3339), so a dead letter's message keeps its time. */
  originalTime: "Ms-Original-Time",
} as const;

// A header value is one line; an error message with line breaks would end the header block.
const oneLine = (value: string): string => value.replace(/[\r\n]+/g, " ").trim();

/** `{category}-{id}` of the original message, from its decoded form or, when malformed, its subject. */
function originalStream(nats: NatsContext, letter: DeadLetter): string {
  const decoded = letter.delivery.message;
  if (decoded !== undefined) return decoded.streamName;
  const local = nats.subjects.withoutPrefix(deliveredSubject(letter.delivery.raw));
  const [category, id] = local.split(".");
  return id === undefined ? (category ?? local) : `${category}-${id}`;
}

function deadLetterHeaders(nats: NatsContext, letter: DeadLetter): MsgHdrs {
  const values = headers();
  values.set(DEAD_LETTER_HEADERS.reason, letter.reason);
  values.set(DEAD_LETTER_HEADERS.error, oneLine(letter.error));
  values.set(DEAD_LETTER_HEADERS.attempts, String(letter.attempts));
  values.set(DEAD_LETTER_HEADERS.consumer, letter.consumer);
  values.set(DEAD_LETTER_HEADERS.originalStream, originalStream(nats, letter));
  values.set(DEAD_LETTER_HEADERS.originalSequence, String(letter.delivery.raw.sequence));
  const time = letter.delivery.message?.time;
  if (time !== undefined) values.set(DEAD_LETTER_HEADERS.originalTime, time.toISOString());
  return values;
}

/** Publishes the dead letter, creating the dead-letter category's unguarded stream when needed. */
/**
 * How a missing dead-letter category is created: unguarded (a message may die twice), in the
 * zencastr layout, where a headerless message on `{dlq}.{category}.{id}` is a Zencastr
 * service's dead letter, so both sides' dead letters read back as their original streams.
 */
export function deadLetterCategorySettings(options: ResolvedOptions): CategorySettings {
  return {
    positionGuard: false,
    maxBytes: options.maxBytes,
    replicas: options.replicas,
    layout: "zencastr",
  };
}

export async function writeNatsDeadLetter(nats: NatsContext, letter: DeadLetter): Promise<void> {
  await nats.ensureStorage(letter.category, deadLetterCategorySettings(nats.options));
  const raw = letter.delivery.raw;
  const subject = nats.subjects.deadLetterSubject(letter.category, deliveredSubject(raw));
  await nats.jetstream.publish(subject, raw.body, {
    headers: deadLetterHeaders(nats, letter),
  });
}

/** The message of a dead letter, `undefined` when its body does not decode. */
function messageOf(decode: () => RecordedMessage): RecordedMessage | undefined {
  try {
    return decode();
  } catch (error) {
    if (!isMalformedMessageError(error)) throw error;
    return undefined;
  }
}

/** A dead letter in Zencastr's form: the body alone on `{…}.{dlq}.{category}.{id}`. */
function zencastrRecordOf(
  nats: NatsContext,
  category: string,
  stored: StoredMessage,
): DeadLetterRecord | undefined {
  const place = zencastrDeadLetterPlace(nats.subjects.parse(category, stored.subject).tokens);
  if (place === undefined) return undefined;
  const streamName = `${place.category}-${place.streamId}`;
  return {
    // Its global position and time are the dead letter's own: Zencastr records neither.
    message: messageOf(() => decodeStored(nats.subjects, category, stored, place)),
    streamName,
    deadLetterPosition: stored.sequence,
    consumer: undefined,
    attempts: undefined,
    reason: "unknown",
    error: "",
    time: stored.time,
    originalSequence: undefined,
  };
}

/**
 * A stored message of a dead-letter category as a dead letter: ours (with `Ms-*` headers) or
 * Zencastr's; `undefined` for anything else there.
 */
export function deadLetterRecordOf(
  nats: NatsContext,
  category: string,
  stored: StoredMessage,
): DeadLetterRecord | undefined {
  const header = (name: string): string => stored.headers?.get(name) ?? "";
  const consumer = header(DEAD_LETTER_HEADERS.consumer);
  if (consumer === "") return zencastrRecordOf(nats, category, stored);
  const originalSequence = Number(header(DEAD_LETTER_HEADERS.originalSequence));
  const originalTime = header(DEAD_LETTER_HEADERS.originalTime);
  return {
    message: messageOf(() => ({
      ...nats.decode(category, stored),
      globalPosition: originalSequence,
      // Dead letters written before the header existed keep the time they were dead-lettered.
      time: originalTime === "" ? stored.time : new Date(originalTime),
    })),
    streamName: header(DEAD_LETTER_HEADERS.originalStream),
    deadLetterPosition: stored.sequence,
    consumer,
    attempts: Number(header(DEAD_LETTER_HEADERS.attempts)),
    reason: header(DEAD_LETTER_HEADERS.reason),
    error: header(DEAD_LETTER_HEADERS.error),
    time: stored.time,
    originalSequence,
  };
}
