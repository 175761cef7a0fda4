/**
 * Stream names follow Eventide: `category-id`, split at the first `-`. A name without `-`
 * is a category. Categories that themselves contain `-` (Zencastr's `import-podcast:command`)
 * are passed as `{ category, id }` instead of a string, which is why every API takes a
 * `StreamRef` and the parsed form keeps category and id apart.
 */
import { InvalidOptionsError, InvalidStreamNameError } from "./errors.ts";

/** A stream as callers name it: `"account-123"`, or `{ category, id }` when the category has a `-`. */
export type StreamRef = string | { readonly category: string; readonly id: string };

/** A category or stream as callers name it: `"account"`, `"account-123"` or `{ category, id? }`. */
export type TargetRef = string | { readonly category: string; readonly id?: string | undefined };

/** A validated stream: `name` is always `category-id`. */
export interface ParsedStream {
  readonly category: string;
  readonly id: string;
  readonly name: string;
}

/** A validated subscription/read target: a whole category, or one stream of it. */
export interface ParsedTarget {
  readonly category: string;
  /** `undefined` for a whole category. */
  readonly id: string | undefined;
  readonly name: string;
}

/**
 * The longest category, in UTF-8 bytes. A category names a JetStream stream,
 * `{prefix}-{category}`, and JetStream refuses stream names over 255 bytes; with the longest
 * prefix (`MAX_PREFIX_BYTES`) there is room to spare.
 */
export const MAX_CATEGORY_BYTES = 128;
/**
 * The longest stream id, in UTF-8 bytes. The id is a token of every subject the store makes
 * for the stream, and nats-server closes the connection on a protocol line over 4 KiB (its
 * `max_control_line`); dead-letter and re-drive subjects add a category, a consumer and a
 * sequence to it, and still fit.
 */
export const MAX_ID_BYTES = 1024;
/** The longest `prefix` option, in UTF-8 bytes (it is part of every JetStream stream name). */
export const MAX_PREFIX_BYTES = 64;

/**
 * Refused in every part. Whitespace, `.`, `*` and `>` cannot be in a NATS subject token; a
 * control character breaks the server's replies (U+007F is stored, then its reply does not
 * parse); a lone surrogate has no UTF-8 form, so it would read back as U+FFFD.
 */
const FORBIDDEN_IN_ID = /[\s.*>\p{Cc}\p{Cs}]/u;
/**
 * A category and the prefix also name a JetStream stream, which cannot hold `/` or `\`. Nor a
 * character beyond U+FFFF: the server quotes stream names in its replies with Go's escapes,
 * which write an unassigned or private one as `\U0003347A`, and no JSON parser reads that.
 * (Below U+FFFF the escape is `\u0378`, which is JSON.)
 */
const FORBIDDEN_IN_CATEGORY = /[\s.*>/\\\p{Cc}\p{Cs}\u{10000}-\u{10FFFF}]/u;
/**
 * First subject tokens NATS keeps for itself: `$JS`, `$SYS`, `$KV`… are its APIs, and a
 * stream on `_INBOX.>` would store every request's reply on the server.
 */
const RESERVED_START = /^(\$|_INBOX$)/;

interface PartRules {
  readonly what: string;
  readonly forbidden: RegExp;
  readonly maxBytes: number;
  readonly reservedStart: boolean;
}

const CATEGORY_RULES: PartRules = {
  what: "category",
  forbidden: FORBIDDEN_IN_CATEGORY,
  maxBytes: MAX_CATEGORY_BYTES,
  reservedStart: true,
};
const ID_RULES: PartRules = {
  what: "id",
  forbidden: FORBIDDEN_IN_ID,
  maxBytes: MAX_ID_BYTES,
  reservedStart: false,
};
const PREFIX_RULES: PartRules = {
  what: "prefix",
  forbidden: FORBIDDEN_IN_CATEGORY,
  maxBytes: MAX_PREFIX_BYTES,
  reservedStart: true,
};

function describeCharacter(character: string): string {
  if (/\s/.test(character)) return "whitespace";
  const code = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  if (/\p{Cs}/u.test(character)) return `a lone surrogate (U+${code})`;
  if (/\p{Cc}/u.test(character)) return `a control character (U+${code})`;
  if (code.length > 4) return `"${character}" (U+${code}), beyond U+FFFF`;
  return `"${character}"`;
}

/** Why `part` breaks `rules`, or `undefined` when it is fine. */
function partProblem(part: string, rules: PartRules): string | undefined {
  const bad = rules.forbidden.exec(part);
  if (bad) return `the ${rules.what} contains ${describeCharacter(bad[0])}`;
  if (rules.reservedStart && RESERVED_START.test(part)) {
    return `the ${rules.what} ${JSON.stringify(part)} is reserved by NATS (a leading "$", or "_INBOX")`;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short parts skip the count.
  if (part.length * 3 > rules.maxBytes && Buffer.byteLength(part, "utf8") > rules.maxBytes) {
    return `the ${rules.what} is longer than ${rules.maxBytes} bytes (UTF-8)`;
  }
  return undefined;
}

function checkPart(name: string, part: string, rules: PartRules): void {
  if (part.length === 0) throw new InvalidStreamNameError(name, `the ${rules.what} is empty`);
  const problem = partProblem(part, rules);
  if (problem !== undefined) throw new InvalidStreamNameError(name, problem);
}

/**
 * Checks the `prefix` option by the rules of a category (it is part of every JetStream stream
 * name and the first token of every subject). `""` means no prefix. Throws `InvalidOptionsError`.
 */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== "string") throw new InvalidOptionsError("prefix must be a string");
  const problem = prefix === "" ? undefined : partProblem(prefix, PREFIX_RULES);
  if (problem !== undefined) {
    throw new InvalidOptionsError(`invalid prefix ${JSON.stringify(prefix)}: ${problem}`);
  }
  return prefix;
}

/** A value given where a name was expected, shown without calling anything of the caller's. */
function shown(value: unknown): string {
  return typeof value === "object" && value !== null
    ? Object.prototype.toString.call(value)
    : String(value);
}

function splitName(name: string): { category: string; id: string | undefined } {
  const dash = name.indexOf("-");
  if (dash === -1) return { category: name, id: undefined };
  return { category: name.slice(0, dash), id: name.slice(dash + 1) };
}

/** Parses and validates a category or stream. Throws `InvalidStreamNameError`. */
export function parseTarget(ref: TargetRef): ParsedTarget {
  if (typeof ref === "string") {
    const { category, id } = splitName(ref);
    checkPart(ref, category, CATEGORY_RULES);
    if (id !== undefined) checkPart(ref, id, ID_RULES);
    return { category, id, name: ref };
  }
  if (ref === null || typeof ref !== "object" || typeof ref.category !== "string") {
    throw new InvalidStreamNameError(shown(ref), "expected a string or { category, id }");
  }
  const name = ref.id === undefined ? ref.category : `${ref.category}-${ref.id}`;
  checkPart(name, ref.category, CATEGORY_RULES);
  if (ref.id !== undefined) {
    if (typeof ref.id !== "string")
      throw new InvalidStreamNameError(name, "the id must be a string");
    checkPart(name, ref.id, ID_RULES);
  }
  return { category: ref.category, id: ref.id, name };
}

/** Parses and validates a stream (a category alone is refused). Throws `InvalidStreamNameError`. */
/**
 * The category named by `ref`, for calls that take a whole category. A string that parses
 * as a stream is refused with a hint, since a category that contains `-` must be passed as
 * `{ category }`.
 */
export function parseCategory(ref: TargetRef, call: string): string {
  const target = parseTarget(ref);
  if (target.id === undefined) return target.category;
  throw new InvalidOptionsError(
    `${call} takes a category, got stream ${target.name}; a category that contains "-" is passed as { category: ${JSON.stringify(target.name)} }`,
  );
}

export function parseStream(ref: StreamRef): ParsedStream {
  const target = parseTarget(ref);
  if (target.id === undefined) {
    throw new InvalidStreamNameError(
      target.name,
      "a stream needs an id (category-id); this is a category",
    );
  }
  return { category: target.category, id: target.id, name: target.name };
}

/** `streamName("account", "123")` → `"account-123"`; an array id gives a compound id `"123+456"`. */
export function streamName(categoryName: string, streamId?: string | readonly string[]): string {
  const joined = Array.isArray(streamId) ? streamId.join("+") : (streamId as string | undefined);
  return parseTarget(joined === undefined ? categoryName : { category: categoryName, id: joined })
    .name;
}

/** `category("account:command-123")` → `"account:command"`. */
export function category(name: string): string {
  return parseTarget(name).category;
}

/** `id("account-123+456")` → `"123+456"`; `undefined` for a category. */
export function id(name: string): string | undefined {
  return parseTarget(name).id;
}

/** The first part of a compound id: `cardinalId("account-123+456")` → `"123"`. */
export function cardinalId(name: string): string | undefined {
  const streamId = parseTarget(name).id;
  return streamId === undefined ? undefined : cardinalIdOf(streamId);
}

/** The cardinal id of a stream id already split off its category: `"123+456"` → `"123"`. */
export function cardinalIdOf(streamId: string): string {
  const plus = streamId.indexOf("+");
  return plus === -1 ? streamId : streamId.slice(0, plus);
}

/** `true` for a name without an id (`"account"`, `"account:command"`). */
export function isCategory(name: string): boolean {
  return parseTarget(name).id === undefined;
}

/** The category's type list: `"account:command+position"` → `["command", "position"]`. */
export function categoryTypes(name: string): string[] {
  const cat = parseTarget(name).category;
  const colon = cat.indexOf(":");
  return colon === -1 ? [] : cat.slice(colon + 1).split("+");
}
