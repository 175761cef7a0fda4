/**
 * Events just written, as the store would read them back: what lets a write update the cache
 * without reading the stream again. Positions and global positions come from the write's
 * result (an array write is stored at consecutive positions and sequences); `time` is this
 * process's clock when the write was confirmed, within a round trip of the stored one.
 */
import type { WriteResult } from "../backend.ts";
import type { Metadata, RecordedMessage } from "../message.ts";
import type { ParsedStream } from "../stream-name.ts";

/** A message as written: its id is known (the store or the caller assigned it). */
export interface WrittenMessage {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Metadata;
}

export function recordedFromWrite(
  stream: ParsedStream,
  messages: readonly WrittenMessage[],
  result: WriteResult,
  time: Date,
): RecordedMessage[] {
  const first = messages.length - 1;
  return messages.map((message, index) => ({
    id: message.id,
    type: message.type,
    data: message.data,
    metadata: message.metadata,
    streamName: stream.name,
    category: stream.category,
    streamId: stream.id,
    position: result.position - first + index,
    globalPosition: result.globalPosition - first + index,
    time,
  }));
}
