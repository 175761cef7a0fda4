/**
 * Dead letters on memory: the original body and identity appended to the dead-letter category,
 * with what the NATS backend keeps in `Ms-Dead-Letter-*` / `Ms-Original-*` headers kept beside
 * it; `dead-letter-workflow.ts` lists them with those details.
 */
import type { DeadLetter } from "../../backend.ts";
import { StreamFullError } from "../../errors.ts";
import type { ResolvedOptions } from "../../options.ts";
import { type Categories, defaultSettings } from "./category.ts";
import { type DeadLetterInfo, preciseNowMs, type StoredEntry } from "./log.ts";

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
export function storeDeadLetter(
  categories: Categories,
  letter: DeadLetter,
  options: ResolvedOptions,
): void {
  const original = originalEntry(categories, letter);
  const log = categories.ensure(letter.category, defaultSettings(options, false));
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
