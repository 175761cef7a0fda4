/**
 * Reading what a command-line target names: `account-1` is one stream (positions),
 * `account` a whole category (global positions).
 */
import { isCategory, type MessageStore, type RecordedMessage } from "../index.ts";

export interface SourceOptions {
  /** A position for a stream, a global position for a category. */
  readonly from?: number | undefined;
  readonly maxCount?: number | undefined;
}

/** Throws the store's `InvalidStreamNameError` for a bad name, before anything is sent. */
export function isCategoryTarget(target: string): boolean {
  return isCategory(target);
}

export function readTarget(
  store: MessageStore,
  target: string,
  options: SourceOptions = {},
): AsyncGenerator<RecordedMessage> {
  if (isCategoryTarget(target)) {
    return store.readCategory(target, {
      fromGlobalPosition: options.from,
      maxCount: options.maxCount,
    });
  }
  return store.read(target, { fromPosition: options.from, maxCount: options.maxCount });
}
