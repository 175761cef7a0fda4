/**
 * Reads over the category logs. None of them creates storage or throws for a missing stream or
 * category. Each read covers the log as it was when the read started, so a long iteration
 * does not chase writes made meanwhile.
 */
import type { CategoryStats } from "../../backend.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Logger } from "../../options.ts";
import type { ParsedStream } from "../../stream-name.ts";
import type { Categories } from "./category.ts";
import { readableRecordOf } from "./records.ts";

/** Messages per page of a stream read: the reader gets control back between pages. */
const STREAM_PAGE_SIZE = 1024;

export async function* readStreamPages(
  categories: Categories,
  stream: ParsedStream,
  fromPosition: number,
  maxCount: number,
  logger: Logger,
): AsyncGenerator<RecordedMessage[]> {
  const log = categories.get(stream.category);
  const positions = log?.streamPositions(stream.name);
  if (log === undefined || positions === undefined) return;
  const end = positions.length;
  let yielded = 0;
  let page: RecordedMessage[] = [];
  for (let position = Math.max(0, fromPosition); position < end && yielded < maxCount; position++) {
    const entry = log.at((positions[position] as number) - 1);
    if (entry === undefined) continue;
    const message = readableRecordOf(log.name, entry, logger);
    if (message === undefined) continue;
    yielded += 1;
    page.push(message);
    if (page.length === STREAM_PAGE_SIZE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

export async function* readCategory(
  categories: Categories,
  category: string,
  fromGlobalPosition: number,
  maxCount: number,
  logger: Logger,
): AsyncGenerator<RecordedMessage> {
  const log = categories.get(category);
  if (log === undefined) return;
  const end = log.length;
  let yielded = 0;
  for (
    let index = Math.max(0, fromGlobalPosition - 1);
    index < end && yielded < maxCount;
    index++
  ) {
    const entry = log.at(index);
    if (entry === undefined) continue;
    const message = readableRecordOf(log.name, entry, logger);
    if (message === undefined) continue;
    yielded += 1;
    yield message;
  }
}

/** The stream's last message, or its last of `type`, scanning back from the end. */
export function lastOf(
  categories: Categories,
  stream: ParsedStream,
  type: string | undefined,
  logger: Logger,
): RecordedMessage | undefined {
  const log = categories.get(stream.category);
  const positions = log?.streamPositions(stream.name);
  if (log === undefined || positions === undefined) return undefined;
  for (let position = positions.length - 1; position >= 0; position--) {
    const entry = log.at((positions[position] as number) - 1);
    if (entry === undefined) continue;
    const message = readableRecordOf(log.name, entry, logger);
    if (message !== undefined && (type === undefined || message.type === type)) return message;
  }
  return undefined;
}

export function categoryStats(categories: Categories): CategoryStats[] {
  const stats: CategoryStats[] = [];
  for (const log of categories.all()) {
    const first = log.at(0);
    const last = log.at(log.length - 1);
    stats.push({
      category: log.name,
      storage: log.name,
      messages: log.length,
      bytes: log.bytes,
      firstTime: first === undefined ? undefined : new Date(first.storedAtMs),
      lastTime: last === undefined ? undefined : new Date(last.storedAtMs),
    });
  }
  return stats.sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
}
