/**
 * The subject layout of DESIGN §3: one subject per stream position, so reading an entity is
 * one batched direct get over its position subjects instead of a scan of a shared subject.
 */
import type { ParsedStream, ParsedTarget } from "../../stream-name.ts";
import type { SubjectLayout } from "./context.ts";

const POSITION_TOKEN = /^(0|[1-9]\d*)$/;

/** The position a subject's last token names, or `-1` when it is not a non-negative integer. */
export function positionOfToken(token: string | undefined): number {
  return token !== undefined && POSITION_TOKEN.test(token) ? Number(token) : -1;
}

export function createSubjectLayout(prefix: string): SubjectLayout {
  const head = prefix === "" ? "" : `${prefix}.`;
  const categoryHead = (category: string): string => `${head}${category}.`;
  return {
    storageName: (category) => (prefix === "" ? category : `${prefix}-${category}`),
    categoryFilter: (category) => `${categoryHead(category)}>`,
    targetFilters: (target: ParsedTarget) =>
      target.id === undefined
        ? [`${categoryHead(target.category)}>`]
        : [
            `${categoryHead(target.category)}${target.id}`,
            `${categoryHead(target.category)}${target.id}.>`,
          ],
    positionSubject: (stream: ParsedStream, position: number) =>
      `${categoryHead(stream.category)}${stream.id}.${position}`,
    positionWildcard: (stream: ParsedStream) => `${categoryHead(stream.category)}${stream.id}.*`,
    deadLetterSubject: (deadLetterCategory, originalSubject) =>
      `${categoryHead(deadLetterCategory)}${originalSubject.startsWith(head) ? originalSubject.slice(head.length) : originalSubject}`,
    parse(category, subject) {
      const start = categoryHead(category);
      if (!subject.startsWith(start)) return { id: undefined, position: -1 };
      const tokens = subject.slice(start.length).split(".");
      // Only `{id}.{position}` is a position subject; `{id}` alone or deeper subjects are other writers'.
      const position = tokens.length === 2 ? positionOfToken(tokens[1]) : -1;
      return { id: tokens[0], position };
    },
  };
}
