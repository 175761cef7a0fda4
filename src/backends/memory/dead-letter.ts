/**
 * Dead letters on memory: the original body and identity appended to the dead-letter category,
 * with what the NATS backend keeps in `Ms-Dead-Letter-*` / `Ms-Original-*` headers kept beside
 * it. `memoryDeadLetters` lists them with those details, for a later `deadLetters()` API.
 */
import type { Backend, DeadLetter } from "../../backend.ts";
import { StreamFullError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Categories } from "./category.ts";
import { type DeadLetterInfo, preciseNowMs, type StoredEntry } from "./log.ts";
import { recordOf } from "./records.ts";

export interface MemoryDeadLetterRecord extends DeadLetterInfo {
  /** Its place in the dead-letter category. */
  readonly globalPosition: number;
  readonly time: Date;
  /** The original message; `undefined` when its body does not decode (reason `malformed`). */
  readonly message: RecordedMessage | undefined;
}

const registries = new WeakMap<Backend, Categories>();

/** Lets `memoryDeadLetters` find the logs of a memory backend. */
export function registerDeadLetterSource(backend: Backend, categories: Categories): void {
  registries.set(backend, categories);
}

/** The stored entry a delivery came from; rebuilt from the delivery when it is not ours. */
function originalEntry(categories: Categories, letter: DeadLetter): StoredEntry {
  const { raw, message } = letter.delivery;
  const stored = categories.get(raw.storage)?.at(raw.sequence - 1);
  if (stored !== undefined && stored.globalPosition === raw.sequence) return stored;
  // `category.id.position` is the tail of every memory subject; names never contain ".".
  const [category = raw.storage, streamId = "", position = "-1"] = raw.subject.split(".").slice(-3);
  return {
    globalPosition: raw.sequence,
    category: message?.category ?? category,
    streamId: message?.streamId ?? streamId,
    streamName: message?.streamName ?? `${category}-${streamId}`,
    position: message?.position ?? Number(position),
    body: raw.body.slice(),
    storedAtMs: message?.time.getTime() ?? preciseNowMs(),
    deadLetter: undefined,
  };
}

/** Appends the dead letter. Creates the category unguarded when missing, whatever `createMissingStreams` says. */
export function storeDeadLetter(categories: Categories, letter: DeadLetter): void {
  const original = originalEntry(categories, letter);
  const log = categories.ensure(letter.category, categories.defaultSettings(false));
  if (log.wouldOverflow(original.body.length)) {
    throw new StreamFullError(
      letter.category,
      `dead-letter category ${letter.category} is full (maxBytes ${log.settings.maxBytes})`,
    );
  }
  const info: DeadLetterInfo = {
    reason: letter.reason,
    error: letter.error,
    attempts: letter.attempts,
    consumer: letter.consumer,
    originalStream: original.streamName,
    originalStorage: letter.delivery.raw.storage,
    originalSequence: letter.delivery.raw.sequence,
    originalTimeMs: original.storedAtMs,
  };
  log.appendDeadLetter(original, info, preciseNowMs());
  categories.notify(letter.category);
}

/** Every dead letter stored in `category` of a memory backend, oldest first; `[]` for any other backend. */
export function memoryDeadLetters(backend: Backend, category: string): MemoryDeadLetterRecord[] {
  const log = registries.get(backend)?.get(category);
  if (log === undefined) return [];
  const records: MemoryDeadLetterRecord[] = [];
  for (let index = 0; index < log.length; index += 1) {
    const entry = log.at(index);
    if (entry?.deadLetter === undefined) continue;
    let message: RecordedMessage | undefined;
    try {
      message = recordOf(log.name, entry);
    } catch {
      message = undefined;
    }
    records.push({
      ...entry.deadLetter,
      globalPosition: entry.globalPosition,
      time: new Date(entry.storedAtMs),
      message,
    });
  }
  return records;
}
