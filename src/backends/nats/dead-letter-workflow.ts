/**
 * Listing and discarding dead letters on NATS. A dead letter's details are its headers, or
 * for Zencastr's its subject (dead-letter.ts); re-drive messages waiting in the same stream
 * (redrive.ts) are not dead letters and are left out.
 */
import type { DeadLetterRecord } from "../../backend.ts";
import type { NatsContext } from "./context.ts";
import { deadLetterRecordOf } from "./dead-letter.ts";
import { PAGE_SIZE, storedFromMessageGet } from "./direct-get.ts";
import { storedFrom } from "./read-category.ts";

export async function* natsDeadLetters(
  nats: NatsContext,
  category: string,
): AsyncGenerator<DeadLetterRecord> {
  const storage = await nats.catalog.lookup(category);
  if (storage === undefined) return;
  const waiting = nats.subjects.redriveRoot(category);
  for await (const stored of storedFrom(nats, storage, category, 1, PAGE_SIZE)) {
    if (stored.subject.startsWith(waiting)) continue;
    const record = deadLetterRecordOf(nats, category, stored);
    if (record !== undefined) yield record;
  }
}

/** Deletes the dead letter at `position`; `false` when there is none (or it is a re-drive message). */
export async function discardNatsDeadLetter(
  nats: NatsContext,
  category: string,
  position: number,
): Promise<boolean> {
  const storage = await nats.catalog.lookup(category);
  if (storage === undefined) return false;
  const stored = await nats.manager.streams
    .getMessage(storage.name, { seq: position })
    .catch(() => null);
  if (
    stored === null ||
    stored.subject.startsWith(nats.subjects.redriveRoot(category)) ||
    deadLetterRecordOf(nats, category, storedFromMessageGet(storage.name, stored)) === undefined
  )
    return false;
  return nats.manager.streams.deleteMessage(storage.name, position, false).catch(() => false);
}
