/**
 * Listing and discarding dead letters on NATS. A dead letter's details are its headers
 * (dead-letter.ts); re-drive messages waiting in the same stream (redrive.ts) are not dead
 * letters and are left out.
 */
import type { DeadLetterRecord } from "../../backend.ts";
import { isMalformedMessageError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { StoredMessage } from "./context.ts";
import { DEAD_LETTER_HEADERS } from "./dead-letter.ts";
import { PAGE_SIZE } from "./direct-get.ts";
import type { NatsInternals } from "./internals.ts";
import { storedFrom } from "./read-category.ts";

function recordOf(
  parts: NatsInternals,
  category: string,
  stored: StoredMessage,
): DeadLetterRecord | undefined {
  const header = (name: string): string => stored.headers?.get(name) ?? "";
  const consumer = header(DEAD_LETTER_HEADERS.consumer);
  if (consumer === "") return undefined;
  const originalSequence = Number(header(DEAD_LETTER_HEADERS.originalSequence));
  let message: RecordedMessage | undefined;
  try {
    message = { ...parts.decode(category, stored), globalPosition: originalSequence };
  } catch (error) {
    if (!isMalformedMessageError(error)) throw error;
    message = undefined;
  }
  return {
    message,
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

export async function* natsDeadLetters(
  parts: NatsInternals,
  category: string,
): AsyncGenerator<DeadLetterRecord> {
  const storage = await parts.catalog.lookup(category);
  if (storage === undefined) return;
  const waiting = parts.subjects.redriveHead(category);
  for await (const stored of storedFrom(parts, storage, category, 1, PAGE_SIZE)) {
    if (stored.subject.startsWith(waiting)) continue;
    const record = recordOf(parts, category, stored);
    if (record !== undefined) yield record;
  }
}

/** Deletes the dead letter at `position`; `false` when there is none (or it is a re-drive message). */
export async function discardNatsDeadLetter(
  parts: NatsInternals,
  category: string,
  position: number,
): Promise<boolean> {
  const storage = await parts.catalog.lookup(category);
  if (storage === undefined) return false;
  const stored = await parts.manager.streams
    .getMessage(storage.name, { seq: position })
    .catch(() => null);
  if (
    stored === null ||
    stored.subject.startsWith(parts.subjects.redriveHead(category)) ||
    !stored.header?.get(DEAD_LETTER_HEADERS.consumer)
  )
    return false;
  return parts.manager.streams.deleteMessage(storage.name, position, false).catch(() => false);
}
