/**
 * Eventide's metadata conventions: a message written because of another one records what
 * caused it, and carries the chain's correlation and reply streams forward.
 */
import type { Followed, Message, Metadata, RecordedMessage } from "../message.ts";
import {
  CAUSATION_GLOBAL_POSITION,
  CAUSATION_POSITION,
  CAUSATION_STREAM_NAME,
  CORRELATION_STREAM_NAME,
  ORIGIN_SUBJECT,
  REPLY_STREAM_NAME,
  TRACE_ID,
} from "./metadata-keys.ts";

/** Keys the next message takes from the previous one, when the previous one has them. */
const CARRIED_KEYS: readonly string[] = [
  CORRELATION_STREAM_NAME,
  REPLY_STREAM_NAME,
  ORIGIN_SUBJECT,
  TRACE_ID,
];

/**
 * What a message written because of `previous` carries in its metadata: the causation (stream
 * name, position, global position) when `previous` was read from a stream, and `previous`'s
 * correlation stream, reply stream, `originSubject` and `traceId` when it has them. A command
 * that was never stored (handed to `store.handle` directly) has no causation to record, but
 * its chain is carried all the same.
 */
export function followingMetadata(previous: Message | RecordedMessage): Metadata {
  const metadata: Metadata = {};
  if (isRecorded(previous)) {
    metadata[CAUSATION_STREAM_NAME] = previous.streamName;
    metadata[CAUSATION_POSITION] = previous.position;
    metadata[CAUSATION_GLOBAL_POSITION] = previous.globalPosition;
  }
  const carried = previous.metadata ?? {};
  for (const key of CARRIED_KEYS) {
    const value = carried[key];
    if (value !== undefined) metadata[key] = value;
  }
  return metadata;
}

function isRecorded(message: Message | RecordedMessage): message is RecordedMessage {
  return (
    "streamName" in message &&
    typeof message.streamName === "string" &&
    "position" in message &&
    typeof message.position === "number" &&
    "globalPosition" in message &&
    typeof message.globalPosition === "number"
  );
}

/**
 * `next`, with metadata saying it follows `previous` (see `followingMetadata`). Other
 * metadata of `next` is kept; neither argument is changed.
 */
export function follow<Type extends string, Data>(
  previous: RecordedMessage,
  next: Message<Type, Data>,
): Followed<Type, Data> {
  const metadata: Metadata = { ...next.metadata, ...followingMetadata(previous) };
  // `data` stays as given (absent when it was); the type says what a write of it stores.
  return { ...next, data: next.data as Data, metadata };
}

/**
 * Whether `message`'s correlation stream is in `category`, as Message DB's `correlation`
 * filter decides it. Compared as a prefix, so a category that contains `-` works too.
 */
export function isCorrelated(message: RecordedMessage, category: string): boolean {
  const stream = message.metadata[CORRELATION_STREAM_NAME];
  if (typeof stream !== "string") return false;
  return stream === category || stream.startsWith(`${category}-`);
}
