/**
 * `tail`: a cursor over a category log that yields what is there, then sleeps until the next
 * append or until it is aborted. The wake-up is a plain callback, not a promise race, so a
 * long tail piles up no promise reactions, and every listener is removed in `finally`.
 */
import type { TailStart } from "../../backend.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Logger } from "../../options.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import type { Categories } from "./category.ts";
import type { CategoryLog } from "./log.ts";
import { matchesTarget, readableRecordOf } from "./records.ts";

function startIndex(log: CategoryLog, start: TailStart): number {
  if ("sinceTimeMs" in start) return log.firstIndexSince(start.sinceTimeMs);
  return Math.max(0, start.afterGlobalPosition);
}

/** Ends when either signal aborts: the caller's, or the backend's own on `close()`. */
export async function* tailCategory(
  categories: Categories,
  target: ParsedTarget,
  start: TailStart,
  signals: readonly AbortSignal[],
  logger: Logger,
): AsyncGenerator<RecordedMessage> {
  const aborted = (): boolean => signals.some((signal) => signal.aborted);
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const unwatch = categories.watch(target.category, wakeUp);
  for (const signal of signals) signal.addEventListener("abort", wakeUp);
  const sinceMs = "sinceTimeMs" in start ? start.sinceTimeMs : Number.NEGATIVE_INFINITY;
  let cursor: number | undefined;
  try {
    while (!aborted()) {
      const log = categories.get(target.category);
      if (log !== undefined) {
        cursor ??= startIndex(log, start);
        while (cursor < log.length && !aborted()) {
          const entry = log.at(cursor++);
          if (entry === undefined || entry.storedAtMs < sinceMs || !matchesTarget(target, entry))
            continue;
          const message = readableRecordOf(log.name, entry, logger);
          if (message !== undefined) yield message;
        }
        if (aborted()) break;
      }
      // Nothing can be appended between the check above and here: both run without an await.
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    wake = undefined;
    unwatch();
    for (const signal of signals) signal.removeEventListener("abort", wakeUp);
  }
}
