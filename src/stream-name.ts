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

// NATS subject tokens cannot hold these, and Eventide names never do.
const FORBIDDEN = /[\s.*>]/;

function checkPart(name: string, part: string, what: string): void {
  if (part.length === 0) throw new InvalidStreamNameError(name, `the ${what} is empty`);
  const bad = FORBIDDEN.exec(part);
  if (bad) {
    const shown = /\s/.test(bad[0]) ? "whitespace" : `"${bad[0]}"`;
    throw new InvalidStreamNameError(name, `the ${what} contains ${shown}`);
  }
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
    checkPart(ref, category, "category");
    if (id !== undefined) checkPart(ref, id, "id");
    return { category, id, name: ref };
  }
  if (ref === null || typeof ref !== "object" || typeof ref.category !== "string") {
    throw new InvalidStreamNameError(String(ref), "expected a string or { category, id }");
  }
  const name = ref.id === undefined ? ref.category : `${ref.category}-${ref.id}`;
  checkPart(name, ref.category, "category");
  if (ref.id !== undefined) {
    if (typeof ref.id !== "string")
      throw new InvalidStreamNameError(name, "the id must be a string");
    checkPart(name, ref.id, "id");
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
  return parseTarget(name).id?.split("+")[0];
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
