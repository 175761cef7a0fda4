/**
 * Reads through the message layer: pages and category reads with each message upcast, and
 * a category read filtered by correlation. Each returns its input untouched when there is
 * nothing to do, so a read without a contract or filter pays nothing.
 */
import type { RecordedMessage } from "../message.ts";
import { isCorrelated } from "./follow.ts";

/** `pages` with every message upcast; `pages` itself when there is nothing to do. */
export function upcastPages(
  pages: AsyncIterable<readonly RecordedMessage[]>,
  upcastOne: ((message: RecordedMessage) => RecordedMessage) | undefined,
): AsyncIterable<readonly RecordedMessage[]> {
  if (upcastOne === undefined) return pages;
  return (async function* () {
    for await (const page of pages) yield page.map(upcastOne);
  })();
}

/**
 * A category read as the message layer hands it out: only messages correlated with
 * `correlation` (when given), at most `maxCount` of those, upcast. `messages` itself when
 * there is nothing to do. With a correlation the backend must read uncapped, since the cap
 * counts what passes the filter (`readCapOf`).
 */
export function categoryView(
  messages: AsyncIterable<RecordedMessage>,
  view: {
    readonly correlation: string | undefined;
    readonly maxCount: number;
    readonly upcast: ((message: RecordedMessage) => RecordedMessage) | undefined;
  },
): AsyncIterable<RecordedMessage> {
  const { correlation, maxCount, upcast: upcastOne } = view;
  if (correlation === undefined && upcastOne === undefined) return messages;
  return (async function* () {
    let count = 0;
    for await (const message of messages) {
      if (count >= maxCount) return;
      if (correlation !== undefined && !isCorrelated(message, correlation)) continue;
      count += 1;
      yield upcastOne === undefined ? message : upcastOne(message);
    }
  })();
}

/** The cap to ask the backend for: none when a correlation filter runs after it. */
export function readCapOf(maxCount: number, correlation: string | undefined): number {
  return correlation === undefined ? maxCount : Number.POSITIVE_INFINITY;
}
