/**
 * The dead-letter workflow on memory: list, discard and re-drive the dead letters of a
 * category. Re-driving moves a dead letter into the failing consumer's re-drive queue and
 * removes it from the dead-letter category, so a second re-drive finds nothing to move.
 */
import type { DeadLetterRecord } from "../../backend.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Categories } from "./category.ts";
import type { StoredEntry } from "./log.ts";
import { recordOf } from "./records.ts";
import type { RedriveQueues } from "./redrive.ts";

function recordOfDeadLetter(storage: string, entry: StoredEntry): DeadLetterRecord | undefined {
  const info = entry.deadLetter;
  if (info === undefined) return undefined;
  let message: RecordedMessage | undefined;
  try {
    // The original's own global position and time, as the first delivery had them.
    message = {
      ...recordOf(storage, entry),
      globalPosition: info.originalSequence,
      time: new Date(info.originalTimeMs),
    };
  } catch {
    message = undefined;
  }
  return {
    message,
    streamName: info.originalStream,
    deadLetterPosition: entry.globalPosition,
    consumer: info.consumer,
    attempts: info.attempts,
    reason: info.reason,
    error: info.error,
    time: new Date(entry.storedAtMs),
    originalSequence: info.originalSequence,
  };
}

export async function* memoryDeadLetterRecords(
  categories: Categories,
  category: string,
): AsyncGenerator<DeadLetterRecord> {
  const log = categories.get(category);
  if (log === undefined) return;
  for (let index = 0; index < log.length; index += 1) {
    const entry = log.at(index);
    const record = entry === undefined ? undefined : recordOfDeadLetter(log.name, entry);
    if (record !== undefined) yield record;
  }
}

export function discardMemoryDeadLetter(
  categories: Categories,
  category: string,
  deadLetterPosition: number,
): boolean {
  return categories.get(category)?.removeDeadLetter(deadLetterPosition) ?? false;
}

/** The entry as it was first delivered: the stored original when it is still there, else rebuilt from the dead letter. */
function originalOf(categories: Categories, deadLetter: StoredEntry): StoredEntry | undefined {
  const info = deadLetter.deadLetter;
  if (info === undefined) return undefined;
  const stored = categories.get(info.originalStorage)?.at(info.originalSequence - 1);
  if (stored !== undefined && stored.streamName === deadLetter.streamName) return stored;
  return {
    ...deadLetter,
    globalPosition: info.originalSequence,
    storedAtMs: info.originalTimeMs,
    deadLetter: undefined,
  };
}

export function redriveMemoryDeadLetters(
  categories: Categories,
  queues: RedriveQueues,
  category: string,
  deadLetterPositions: readonly number[],
): number {
  const log = categories.get(category);
  if (log === undefined) return 0;
  let moved = 0;
  for (const position of deadLetterPositions) {
    const entry = log.at(position - 1);
    const info = entry?.deadLetter;
    const original = entry === undefined ? undefined : originalOf(categories, entry);
    if (info === undefined || original === undefined) continue;
    queues.push(category, info.consumer, { storage: info.originalStorage, entry: original });
    log.removeDeadLetter(position);
    moved += 1;
  }
  return moved;
}
