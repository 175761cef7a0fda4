/**
 * The wire body, shared with the Zencastr Python message store: UTF-8 JSON with the keys
 * `type`, `data`, `metadata` (only when non-empty), then `id`. Zencastr reads the first three
 * by key and ignores the rest, so both sides read each other's messages. The id lives in the
 * body rather than a header because stored headers slow every read (DESIGN §3).
 */
import { createHash } from "node:crypto";
import { InvalidMessageError, MalformedMessageError } from "./errors.ts";
import { isPlainObject, type Metadata } from "./message.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bodies are encoded into views of a shared slab rather than each into its own ArrayBuffer:
 * an ArrayBuffer per message costs an allocation outside the heap and garbage-collector
 * bookkeeping that outweigh the encoding itself (Node's `Buffer` pool does the same). A slab
 * is only ever appended to, so a body's bytes never change once encoded; it is freed when no
 * body in it is left.
 */
const SLAB_BYTES = 64 * 1024;
/** Bodies that may need more than this get their own buffer, so one cannot pin a mostly empty slab. */
const LARGEST_SLAB_BODY = SLAB_BYTES / 8;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** UTF-8 of `text`, byte for byte what `TextEncoder.encode` gives (lone surrogates become U+FFFD). */
function utf8Of(text: string): Uint8Array {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so this bound always fits.
  const bound = text.length * 3;
  if (bound > LARGEST_SLAB_BODY) return encoder.encode(text);
  if (bound > SLAB_BYTES - slabUsed) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  const { written } = encoder.encodeInto(text, slab.subarray(start));
  slabUsed += written;
  return slab.subarray(start, slabUsed);
}

function jsonOf(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new InvalidMessageError(`${what} is not JSON-serialisable`, { cause });
  }
  if (text === undefined) throw new InvalidMessageError(`${what} is not a JSON value`);
  return text;
}

/** Encodes a message body. Throws `InvalidMessageError` for values JSON cannot hold. */
export function encodeBody(
  type: string,
  data: unknown,
  metadata: Metadata,
  id: string,
): Uint8Array {
  let text = `{"type":${JSON.stringify(type)},"data":${jsonOf(data, "data")}`;
  for (const _ in metadata) {
    text += `,"metadata":${jsonOf(metadata, "metadata")}`;
    break;
  }
  text += `,"id":${JSON.stringify(id)}}`;
  return utf8Of(text);
}

/** A decoded body. `id` is `undefined` when the writer (Zencastr, `nats pub`) put none in. */
export interface DecodedBody {
  type: string;
  data: unknown;
  metadata: Metadata;
  id: string | undefined;
}

/** Decodes a body. Throws `MalformedMessageError` unless it is a JSON object with a string `type`. */
export function decodeBody(body: Uint8Array): DecodedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new MalformedMessageError("message body is not JSON", { cause });
  }
  if (!isPlainObject(parsed) || typeof parsed.type !== "string") {
    throw new MalformedMessageError("message body is not a JSON object with a string type");
  }
  const metadata = isPlainObject(parsed.metadata) ? parsed.metadata : {};
  const id = typeof parsed.id === "string" ? parsed.id : undefined;
  return { type: parsed.type, data: parsed.data ?? null, metadata, id };
}

/**
 * A stable id for a message stored without one: a name-based (v5-style) UUID of the backend's
 * stream and the sequence, so every read of the same message gives the same id.
 */
export function derivedMessageId(storageStream: string, sequence: number): string {
  const hash = createHash("sha1").update(`message-store:${storageStream}:${sequence}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
