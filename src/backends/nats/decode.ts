/**
 * A stored JetStream message as a RecordedMessage. One `JSON.parse` per message and nothing
 * else that scales with the body: reads of long streams spend their time here.
 */
import type { CategoryLayout } from "../../backend.ts";
import { decodeBody, derivedMessageId } from "../../body.ts";
import type { RecordedMessage } from "../../message.ts";
import type { StoredMessage } from "./context.ts";
import { positionOfToken, type SubjectLayout } from "./subjects.ts";

/** Header a dead letter carries: the message's original stream name, e.g. `acct-1`. */
export const ORIGINAL_STREAM_HEADER = "Ms-Original-Stream";

export interface Place {
  readonly category: string;
  readonly streamId: string;
  readonly position: number;
}

/**
 * A dead letter sits on `{prefix}.{deadLetterCategory}.{original category}.{id}.{position}`;
 * its header names the original stream. The subject keeps the category whole even when it
 * contains `-`, so it wins when it agrees with the header.
 */
function deadLetterPlace(
  subjects: SubjectLayout,
  category: string,
  subject: string,
  originalStream: string,
): Place {
  const rest = subject.split(".");
  const headLength = subjects.categoryFilter(category).split(".").length - 1;
  const [originalCategory, streamId] = rest.slice(headLength);
  const position = rest.length === headLength + 3 ? positionOfToken(rest.at(-1)) : -1;
  if (
    originalCategory !== undefined &&
    streamId !== undefined &&
    originalStream === `${originalCategory}-${streamId}`
  ) {
    return { category: originalCategory, streamId, position };
  }
  const dash = originalStream.indexOf("-");
  return {
    category: dash === -1 ? originalStream : originalStream.slice(0, dash),
    streamId: dash === -1 ? "" : originalStream.slice(dash + 1),
    position,
  };
}

/**
 * Zencastr dead-letters a message by republishing its body, without headers, on
 * `{prefix}.{deadLetterCategory}.{original subject}`: the original category and id are the
 * two tokens after the dead-letter category. Its position is not known.
 */
export function zencastrDeadLetterPlace(tokens: readonly string[]): Place | undefined {
  const [originalCategory, streamId] = tokens;
  if (originalCategory === undefined || streamId === undefined) return undefined;
  return { category: originalCategory, streamId, position: -1 };
}

function placeOf(
  subjects: SubjectLayout,
  category: string,
  stored: StoredMessage,
  layout: CategoryLayout,
): Place {
  const originalStream = stored.headers?.get(ORIGINAL_STREAM_HEADER);
  if (originalStream) return deadLetterPlace(subjects, category, stored.subject, originalStream);
  const { id, position, tokens } = subjects.parse(category, stored.subject);
  // The zencastr layout puts an entity on `{category}.{id}` and nothing deeper, which
  // leaves deeper subjects to Zencastr's dead letters.
  const deadLetter = layout === "zencastr" ? zencastrDeadLetterPlace(tokens) : undefined;
  return deadLetter ?? { category, streamId: id ?? "", position };
}

/**
 * Throws `MalformedMessageError` for a body that is not a JSON object with a string type.
 * `where` is the place when the caller already knows it (a stream read counts positions;
 * dead letters never sit in an entity's stream, so the header lookup is skipped on that hot
 * path), else the category's layout, which says how to read the subject.
 */
export function decodeStored(
  subjects: SubjectLayout,
  category: string,
  stored: StoredMessage,
  where: Place | CategoryLayout,
): RecordedMessage {
  const body = decodeBody(stored.data);
  const place = typeof where === "object" ? where : placeOf(subjects, category, stored, where);
  return {
    id: body.id ?? derivedMessageId(stored.storage, stored.sequence),
    type: body.type,
    data: body.data,
    metadata: body.metadata,
    streamName: `${place.category}-${place.streamId}`,
    category: place.category,
    streamId: place.streamId,
    position: place.position,
    globalPosition: stored.sequence,
    time: stored.time,
  };
}
