/**
 * Listing and discarding dead letters on NATS. A dead letter's details are its headers, or
 * for Zencastr's its subject (dead-letter.ts); re-drive messages waiting in the same stream
 * (redrive.ts) are not dead letters and are left out.
 */
import type { DeadLetterRecord } from "../../backend.ts";
import { deadLetterRecordOf } from "./dead-letter.ts";
import { PAGE_SIZE, storedFromMessageGet } from "./direct-get.ts";
import type { NatsInternals } from "./internals.ts";
import { storedFrom } from "./read-category.ts";

export async function* natsDeadLetters(
  parts: NatsInternals,
  category: string,
): AsyncGenerator<DeadLetterRecord> {
  const storage = await parts.catalog.lookup(category);
  if (storage === undefined) return;
  const waiting = parts.subjects.redriveHead(category);
  for await (const stored of storedFrom(parts, storage, category, 1, PAGE_SIZE)) {
    if (stored.subject.startsWith(waiting)) continue;
    const record = deadLetterRecordOf(parts, category, stored);
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
    deadLetterRecordOf(parts, category, storedFromMessageGet(storage.name, stored)) === undefined
  )
    return false;
  return parts.manager.streams.deleteMessage(storage.name, position, false).catch(() => false);
}
