/**
 * Dead letters on NATS: the original body, byte for byte, on
 * `{prefix}.{deadLetter}.{original subject without prefix}`, with headers that say why it
 * died and where it came from. The dead-letter category's stream has no position guard,
 * because one message may be dead-lettered more than once (a replay, a second consumer).
 */
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import type { DeadLetter } from "../../backend.ts";
import type { NatsContext } from "./context.ts";

/** Header names of a dead letter (DESIGN §2a). */
export const DEAD_LETTER_HEADERS = {
  reason: "Ms-Dead-Letter-Reason",
  error: "Ms-Dead-Letter-Error",
  attempts: "Ms-Dead-Letter-Attempts",
  consumer: "Ms-Dead-Letter-Consumer",
  originalStream: "Ms-Original-Stream",
  originalSequence: "Ms-Original-Sequence",
} as const;

// A header value is one line; an error message with line breaks would end the header block.
const oneLine = (value: string): string => value.replace(/[\r\n]+/g, " ").trim();

/** `{category}-{id}` of the original message, from its decoded form or, when malformed, its subject. */
function originalStream(context: NatsContext, letter: DeadLetter): string {
  const decoded = letter.delivery.message;
  if (decoded !== undefined) return decoded.streamName;
  const local = context.subjects.withoutPrefix(letter.delivery.raw.subject);
  const [category, id] = local.split(".");
  return id === undefined ? (category ?? local) : `${category}-${id}`;
}

function deadLetterHeaders(context: NatsContext, letter: DeadLetter): MsgHdrs {
  const values = headers();
  values.set(DEAD_LETTER_HEADERS.reason, letter.reason);
  values.set(DEAD_LETTER_HEADERS.error, oneLine(letter.error));
  values.set(DEAD_LETTER_HEADERS.attempts, String(letter.attempts));
  values.set(DEAD_LETTER_HEADERS.consumer, letter.consumer);
  values.set(DEAD_LETTER_HEADERS.originalStream, originalStream(context, letter));
  values.set(DEAD_LETTER_HEADERS.originalSequence, String(letter.delivery.raw.sequence));
  return values;
}

/** Publishes the dead letter, creating the dead-letter category's unguarded stream when needed. */
export async function writeNatsDeadLetter(context: NatsContext, letter: DeadLetter): Promise<void> {
  await context.ensureStorage(letter.category, {
    positionGuard: false,
    maxBytes: context.options.maxBytes,
    replicas: context.options.replicas,
  });
  const raw = letter.delivery.raw;
  const subject = context.subjects.deadLetterSubject(letter.category, raw.subject);
  await context.jetstream.publish(subject, raw.body, {
    headers: deadLetterHeaders(context, letter),
  });
}
