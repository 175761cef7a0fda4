/**
 * One line of an import file: a RecordedMessage as `export` and `read --json` print it.
 * Everything is checked before the line is queued, so a bad line stops the import with
 * nothing after it written.
 */
import { type Message, type StreamRef, streamName } from "../index.ts";

/** A line that cannot be imported. `name` is the underlying error's when the store refused it. */
export class ImportLineError extends Error {
  readonly line: number;

  constructor(line: number, message: string, options: { name?: string; cause?: unknown } = {}) {
    super(
      `line ${line}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = options.name ?? "ImportError";
    this.line = line;
  }
}

export interface ImportRecord {
  readonly line: number;
  readonly stream: StreamRef;
  /** `category-id`, the pipeline's key. */
  readonly name: string;
  readonly message: Message;
  /** Where the message was; `-1` for one written outside the position layout. */
  readonly position: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function streamOf(
  record: Record<string, unknown>,
  line: number,
): { stream: StreamRef; name: string } {
  const { category, streamId } = record;
  // category + streamId is authoritative: a category may itself contain '-'.
  if (typeof category === "string" && typeof streamId === "string") {
    const name = streamName(category, streamId);
    return { stream: { category, id: streamId }, name };
  }
  if (typeof record.streamName === "string") {
    const name = streamName(record.streamName);
    return { stream: name, name };
  }
  throw new ImportLineError(line, "needs streamName, or category and streamId");
}

export function parseImportLine(text: string, line: number): ImportRecord {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportLineError(line, `not valid JSON (${reason})`);
  }
  if (!isObject(record)) throw new ImportLineError(line, "must be a JSON object");
  const { id, type, data, metadata, position } = record;
  if (typeof type !== "string" || type === "") {
    throw new ImportLineError(line, "type must be a non-empty string");
  }
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new ImportLineError(line, "id must be a UUID (it is what makes a re-import safe)");
  }
  if (metadata !== undefined && !isObject(metadata)) {
    throw new ImportLineError(line, "metadata must be an object");
  }
  if (typeof position !== "number" || !Number.isSafeInteger(position) || position < -1) {
    throw new ImportLineError(line, "position must be an integer >= -1");
  }
  let target: { stream: StreamRef; name: string };
  try {
    target = streamOf(record, line);
  } catch (error) {
    if (error instanceof ImportLineError) throw error;
    const name = error instanceof Error ? error.name : "ImportError";
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportLineError(line, reason, { name, cause: error });
  }
  const message: Message = {
    id,
    type,
    data: data === undefined ? {} : data,
    ...(metadata === undefined ? {} : { metadata }),
  };
  return { line, ...target, message, position };
}
