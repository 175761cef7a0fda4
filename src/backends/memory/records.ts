/**
 * How a stored entry is handed out. Every read decodes the stored bytes afresh, so a caller
 * that mutates a RecordedMessage (or a delivery's raw body) changes only its own copy.
 */
import type { RawMessage } from "../../backend.ts";
import { decodeBody, derivedMessageId } from "../../body.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Logger } from "../../options.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import type { StoredEntry } from "./log.ts";

/** Throws `MalformedMessageError` when the body is not a JSON object with a string `type`. */
export function recordOf(storage: string, entry: StoredEntry): RecordedMessage {
  const body = decodeBody(entry.body);
  const origin = entry.deadLetter;
  const id =
    body.id ??
    (origin === undefined
      ? derivedMessageId(storage, entry.globalPosition)
      : derivedMessageId(origin.originalStorage, origin.originalSequence));
  return {
    id,
    type: body.type,
    data: body.data,
    metadata: body.metadata,
    streamName: entry.streamName,
    category: entry.category,
    streamId: entry.streamId,
    position: entry.position,
    globalPosition: entry.globalPosition,
    time: new Date(entry.storedAtMs),
  };
}

/** `recordOf`, or `undefined` with a warning for a body that does not decode (reads skip those). */
export function readableRecordOf(
  storage: string,
  entry: StoredEntry,
  logger: Logger,
): RecordedMessage | undefined {
  try {
    return recordOf(storage, entry);
  } catch (error) {
    logger.warn(
      { err: error, category: storage, globalPosition: entry.globalPosition },
      "skipping a message whose body does not decode",
    );
    return undefined;
  }
}

/** The stored form, with a copy of the body; its handle is the entry itself (dead-letter.ts reads it). */
export function rawOf(storage: string, entry: StoredEntry): RawMessage {
  return {
    storage,
    sequence: entry.globalPosition,
    body: entry.body.slice(),
    destination: entry.streamName,
    handle: entry,
  };
}

/** `true` when `entry` belongs to `target`: the whole category, or one of its streams (dead letters belong to none). */
export function matchesTarget(target: ParsedTarget, entry: StoredEntry): boolean {
  if (target.id === undefined) return true;
  return entry.deadLetter === undefined && entry.streamName === target.name;
}
