/**
 * Every subject and stream name the NATS backend uses, in one place (DESIGN §3 and §8). Two
 * entity layouts share it:
 *
 * - `position`: one subject per stream position, `{prefix}.{category}.{id}.{position}`, so
 *   reading an entity is one batched direct get over its position subjects instead of a
 *   scan of a shared subject;
 * - `zencastr`: every message of an entity on `{prefix}.{category}.{id}`, as the Zencastr
 *   Python message store writes it; positions are the order of that subject's messages.
 *
 * Dead letters and re-drive messages live under the dead-letter category's root (`categoryRoot`).
 */
import type { RawMessage } from "../../backend.ts";
import type { ParsedStream, ParsedTarget } from "../../stream-name.ts";

/** How a category's entities sit on subjects; see the module comment. */
export type EntityLayout = "position" | "zencastr";

export const ENTITY_LAYOUTS: readonly EntityLayout[] = ["position", "zencastr"];

/** The token after the dead-letter category that marks re-drive subjects. */
export const REDRIVE_TOKEN = "_redrive";

/** A subject of a category read back. */
export interface SubjectPlace {
  /** The token after the category, `undefined` when the subject is not the category's. */
  readonly id: string | undefined;
  /** The position a `{id}.{position}` subject names; `-1` for any other subject. */
  readonly position: number;
  /** The tokens after the category, e.g. `["7", "3"]`; empty when not the category's. */
  readonly tokens: readonly string[];
}

/** Where message-store puts things on NATS. */
export interface SubjectLayout {
  /** JetStream stream name of a category: `{prefix}-{category}` (no prefix: `{category}`). */
  storageName(category: string): string;
  /** Every subject of a category: `{prefix}.{category}.>`. */
  categoryFilter(category: string): string;
  /** The category a stream subject `{prefix}.{category}.>` covers, if it is one. */
  categoryOfFilter(streamSubject: string): string | undefined;
  /** Filter subjects for a target: the category filter, or `{…}.{category}.{id}` and `{…}.{category}.{id}.>`. */
  targetFilters(target: ParsedTarget): string[];
  /** An entity's own subject, `{prefix}.{category}.{id}`: where the zencastr layout writes. */
  entitySubject(stream: ParsedStream): string;
  /** `{prefix}.{category}.{id}.{position}`. */
  positionSubject(stream: ParsedStream, position: number): string;
  /** Wildcard over a stream's position subjects: `{prefix}.{category}.{id}.*`. */
  positionWildcard(stream: ParsedStream): string;
  /** The subject a write of `position` goes to in `layout`. */
  writeSubject(layout: EntityLayout, stream: ParsedStream, position: number): string;
  /** `{prefix}.{deadLetterCategory}.{original subject without prefix}`. */
  deadLetterSubject(deadLetterCategory: string, originalSubject: string): string;
  /** `{prefix}.{category}.`: every subject of the category starts so. */
  categoryRoot(category: string): string;
  /** A subject without the `{prefix}.` root. */
  withoutPrefix(subject: string): string;
  /** A subject without the prefix (as Zencastr names them) with it. */
  withPrefix(localSubject: string): string;
  /** `{prefix}.{deadLetterCategory}._redrive.`: every re-drive subject of the category starts so. */
  redriveRoot(deadLetterCategory: string): string;
  /** `{redriveRoot}{consumer}.{original sequence}.{original subject without prefix}`. */
  redriveSubject(
    deadLetterCategory: string,
    consumer: string,
    originalSequence: number,
    originalLocalSubject: string,
  ): string;
  /** Reads a subject of `category` back. */
  parse(category: string, subject: string): SubjectPlace;
}

const POSITION_TOKEN = /^(0|[1-9]\d*)$/;

/** The position a subject's last token names, or `-1` when it is not a non-negative integer. */
export function positionOfToken(token: string | undefined): number {
  return token !== undefined && POSITION_TOKEN.test(token) ? Number(token) : -1;
}

export function createSubjectLayout(prefix: string): SubjectLayout {
  const prefixRoot = prefix === "" ? "" : `${prefix}.`;
  const categoryRoot = (category: string): string => `${prefixRoot}${category}.`;
  const withoutPrefix = (subject: string): string =>
    subject.startsWith(prefixRoot) ? subject.slice(prefixRoot.length) : subject;
  const entitySubject = (stream: ParsedStream): string =>
    `${categoryRoot(stream.category)}${stream.id}`;
  const positionSubject = (stream: ParsedStream, position: number): string =>
    `${entitySubject(stream)}.${position}`;
  const redriveRoot = (deadLetterCategory: string): string =>
    `${categoryRoot(deadLetterCategory)}${REDRIVE_TOKEN}.`;
  return {
    storageName: (category) => (prefix === "" ? category : `${prefix}-${category}`),
    categoryFilter: (category) => `${categoryRoot(category)}>`,
    categoryOfFilter(streamSubject) {
      if (!streamSubject.startsWith(prefixRoot) || !streamSubject.endsWith(".>")) return undefined;
      const category = streamSubject.slice(prefixRoot.length, -2);
      return category.length > 0 && !/[.*>]/.test(category) ? category : undefined;
    },
    targetFilters: (target: ParsedTarget) =>
      target.id === undefined
        ? [`${categoryRoot(target.category)}>`]
        : [
            `${categoryRoot(target.category)}${target.id}`,
            `${categoryRoot(target.category)}${target.id}.>`,
          ],
    entitySubject,
    positionSubject,
    positionWildcard: (stream) => `${entitySubject(stream)}.*`,
    writeSubject: (layout, stream, position) =>
      layout === "position" ? positionSubject(stream, position) : entitySubject(stream),
    deadLetterSubject: (deadLetterCategory, originalSubject) =>
      `${categoryRoot(deadLetterCategory)}${withoutPrefix(originalSubject)}`,
    categoryRoot,
    withoutPrefix,
    withPrefix: (localSubject) => `${prefixRoot}${localSubject}`,
    redriveRoot,
    redriveSubject: (deadLetterCategory, consumer, originalSequence, originalLocalSubject) =>
      `${redriveRoot(deadLetterCategory)}${consumer}.${originalSequence}.${originalLocalSubject}`,
    parse(category, subject) {
      const start = categoryRoot(category);
      if (!subject.startsWith(start)) return { id: undefined, position: -1, tokens: [] };
      const tokens = subject.slice(start.length).split(".");
      // Only `{id}.{position}` is a position subject; `{id}` alone or deeper subjects are other writers'.
      const position = tokens.length === 2 ? positionOfToken(tokens[1]) : -1;
      return { id: tokens[0], position, tokens };
    },
  };
}

/**
 * The subject a delivery of this backend came from: its handle (consumer.ts and redrive.ts set
 * it). Any other handle means a delivery from another backend reached this one, a wiring bug.
 */
export function deliveredSubject(raw: RawMessage): string {
  if (typeof raw.handle !== "string") {
    throw new TypeError(
      "the delivery was not made by the NATS backend: its handle is not a subject",
    );
  }
  return raw.handle;
}
