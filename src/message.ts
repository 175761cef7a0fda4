/**
 * Messages as callers write them and as the store hands them back, and the validation that
 * runs before anything reaches a backend.
 */
import { randomUUID } from "node:crypto";
import { InvalidMessageError } from "./errors.ts";
import { checkJsonValue } from "./json-check.ts";

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
export type Metadata = Record<string, unknown>;

/** A message to write. `id` is made by the store when missing; `data` defaults to `{}`. */
export interface Message<Type extends string = string, Data = unknown> {
  id?: string | undefined;
  type: Type;
  data?: Data;
  metadata?: Metadata | undefined;
}

/**
 * What `follow()` returns: the message it was given, with its `type` kept literal (so the
 * result can be written to a typed stream) and its metadata extended.
 */
export interface Followed<Type extends string, Data> extends Message<Type, Data> {
  data: Data;
  metadata: Metadata;
}

/** A stored message. `position` is dense per stream; `globalPosition` increases per category. */
export interface RecordedMessage<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  /** `{}` when none was written. */
  readonly metadata: Metadata;
  /** Always `category-streamId`. */
  readonly streamName: string;
  readonly category: string;
  readonly streamId: string;
  /** 0-based, dense within the stream; `-1` for a message from another writer outside the position layout. */
  readonly position: number;
  /** Increases within one category; not comparable across categories. */
  readonly globalPosition: number;
  readonly time: Date;
}

/**
 * The member of a message union whose `type` is `Type`. For the untyped `RecordedMessage`
 * (whose `type` is any string) it is the message itself, so a handler keyed `"Deposited"` of
 * an untyped subscription still receives a `RecordedMessage`.
 */
export type MessageOfType<Received, Type extends string> = Received extends {
  readonly type: Type;
}
  ? Received
  : Received extends { readonly type: infer Declared }
    ? string extends Declared
      ? Received
      : never
    : never;

/** A validated message with its id assigned and its body encoded, ready for a backend. */
export interface PreparedMessage {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Metadata;
  /** The wire body (see `body.ts`); its length is what `maxMessageSize` limits. */
  readonly body: Uint8Array;
  /** Headers stored with it where the backend keeps headers (only instrumentation sets them: headers slow reads). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The most messages one write takes. An array is written as one JetStream atomic batch, and
 * nats-server refuses batches of more than 1,000 messages; the memory backend keeps the same
 * limit so that a write means the same on both.
 */
export const MAX_MESSAGES_PER_WRITE = 1000;

/** The messages of a write as a list: one message, or an array of 1 to `MAX_MESSAGES_PER_WRITE`. */
export function messageList(messages: unknown): readonly unknown[] {
  if (!Array.isArray(messages)) return [messages];
  if (messages.length === 0) throw new InvalidMessageError("write needs at least one message");
  if (messages.length > MAX_MESSAGES_PER_WRITE) {
    throw new InvalidMessageError(
      `write takes at most ${MAX_MESSAGES_PER_WRITE} messages at once (an atomic batch), got ${messages.length}: split it, each part with its own expected version`,
    );
  }
  return messages;
}

/** The keys a message to write may have; any other is a typo (`dat`) or a read message passed back. */
const MESSAGE_KEYS = new Set(["id", "type", "data", "metadata"]);

/** Says what went wrong; a key of a RecordedMessage means one was passed back to `write`. */
function unknownKeyText(where: string, key: string): string {
  const text = `${where}: unknown key ${JSON.stringify(key)} (a message has id, type, data and metadata)`;
  return key === "streamName" || key === "globalPosition" || key === "position"
    ? `${text}; to write a message that was read, write { type, data, metadata } or follow(message)`
    : text;
}

/** Checks one message's shape. Throws `InvalidMessageError`; `index` names it in an array write. */
export function checkMessage(message: unknown, index?: number): Message {
  const where = index === undefined ? "message" : `message [${index}]`;
  if (!isPlainObject(message))
    throw new InvalidMessageError(`${where} must be an object { type, data, metadata? }`);
  for (const key in message) {
    if (!MESSAGE_KEYS.has(key)) throw new InvalidMessageError(unknownKeyText(where, key));
  }
  const { id, type, metadata } = message as { id?: unknown; type?: unknown; metadata?: unknown };
  if (typeof type !== "string" || type.length === 0) {
    throw new InvalidMessageError(`${where}: type must be a non-empty string`);
  }
  if (id !== undefined && (typeof id !== "string" || !UUID.test(id))) {
    throw new InvalidMessageError(`${where}: id must be a UUID string, got ${JSON.stringify(id)}`);
  }
  if (metadata !== undefined && !isPlainObject(metadata)) {
    throw new InvalidMessageError(`${where}: metadata must be a plain object when present`);
  }
  if (message.data !== undefined) checkJsonValue(message.data, "data", where);
  if (metadata !== undefined) checkJsonValue(metadata, "metadata", where);
  return { id, type, data: message.data, metadata } as Message;
}

export function newMessageId(): string {
  return randomUUID();
}
