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

/** The stored entry a delivery came from: its handle (`rawOf`), or rebuilt from the delivery when that is not one of ours. */
function originalEntry(letter: DeadLetter): StoredEntry {
  const { raw, message } = letter.delivery;
  if (isStoredEntry(raw.handle)) return raw.handle;
  return {
    globalPosition: raw.sequence,
    category: message?.category ?? raw.storage,
    streamId: message?.streamId ?? "",
    streamName: message?.streamName ?? raw.destination,
    position: message?.position ?? -1,
    body: raw.body.slice(),
    storedAtMs: message?.time.getTime() ?? preciseNowMs(),
    deadLetter: undefined,
  };
}

/** Whether a delivery's handle is a log entry, as every delivery this backend makes carries. */
function isStoredEntry(handle: unknown): handle is StoredEntry {
  return (
    typeof handle === "object" &&
    handle !== null &&
    "globalPosition" in handle &&
    "streamName" in handle &&
    "body" in handle
  );
}

/** Appends the dead letter. Creates the category unguarded when missing, whatever `createMissingStreams` says. */
export function storeDeadLetter(
  categories: Categories,
  letter: DeadLetter,
  options: ResolvedOptions,
): void {
  const original = originalEntry(letter);
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
