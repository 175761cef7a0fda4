/**
 * Start positions of a consumer, as callers write them (`subscribe({ startAt })`,
 * `resetConsumer`) and as backends take them (`StartAt` in backend.ts, with a `Date`).
 */
import type { StartAt } from "./backend.ts";
import { InvalidOptionsError } from "./errors.ts";

/** Where a new consumer starts: every message, only new ones, or from a global position or an instant. */
export type StartAtOption =
  | "beginning"
  | "end"
  | { readonly globalPosition: number }
  | { readonly time: Date | string };

/** Checks a start position and turns a time string into a `Date`. Throws `InvalidOptionsError` naming `call`. */
export function checkStartAt(value: unknown, call: string): StartAt {
  if (value === "beginning" || value === "end") return value;
  const fail = (): never => {
    throw new InvalidOptionsError(
      `${call}: startAt must be "beginning", "end", { globalPosition } or { time }, got ${JSON.stringify(value)}`,
    );
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return fail();
  const keys = Object.keys(value);
  if (keys.length !== 1) return fail();
  if ("globalPosition" in value) {
    const position = value.globalPosition;
    if (typeof position !== "number" || !Number.isSafeInteger(position) || position < 1) {
      throw new InvalidOptionsError(
        `${call}: startAt.globalPosition must be an integer >= 1, got ${JSON.stringify(position)}`,
      );
    }
    return { globalPosition: position };
  }
  if ("time" in value) {
    const raw = value.time;
    const time = raw instanceof Date ? new Date(raw.getTime()) : new Date(String(raw));
    if ((typeof raw !== "string" && !(raw instanceof Date)) || Number.isNaN(time.getTime())) {
      throw new InvalidOptionsError(
        `${call}: startAt.time must be a Date or an ISO 8601 string, got ${JSON.stringify(raw)}`,
      );
    }
    return { time };
  }
  return fail();
}
