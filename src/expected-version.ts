/**
 * The expected version of a write, as a closed vocabulary, and the one matcher every backend
 * uses. Versions are positions: `-1` means the stream has no messages.
 */
import { ExpectedVersionError, InvalidOptionsError } from "./errors.ts";

/**
 * - a number: the stream's last position must be exactly this (`-1`: it must not exist yet);
 * - `"no_stream"`: the same as `-1`;
 * - `"exists"`: the stream must have at least one message;
 * - `"any"`: no check (the default).
 */
export type ExpectedVersion = number | "no_stream" | "exists" | "any";

export const NO_STREAM_VERSION = -1;

/** Throws `InvalidOptionsError` for anything outside the vocabulary, before anything is sent. */
export function checkExpectedVersion(expected: unknown): ExpectedVersion {
  if (expected === "any" || expected === "exists" || expected === "no_stream") return expected;
  if (typeof expected === "number" && Number.isSafeInteger(expected) && expected >= -1)
    return expected;
  throw new InvalidOptionsError(
    `expectedVersion must be an integer >= -1, "no_stream", "exists" or "any"; got ${JSON.stringify(expected)}`,
  );
}

/** The version the stream must have, when the expectation pins one exactly. */
export function exactExpectedVersion(expected: ExpectedVersion): number | undefined {
  if (expected === "no_stream") return NO_STREAM_VERSION;
  return typeof expected === "number" ? expected : undefined;
}

/** `true` when a stream at `actual` satisfies `expected`. */
export function matchesExpectedVersion(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case "any":
      return true;
    case "exists":
      return actual > NO_STREAM_VERSION;
    case "no_stream":
      return actual === NO_STREAM_VERSION;
    default:
      return actual === expected;
  }
}

/** Throws `ExpectedVersionError` unless a stream at `actual` satisfies `expected`. */
export function assertExpectedVersion(
  stream: string,
  expected: ExpectedVersion,
  actual: number,
): void {
  if (!matchesExpectedVersion(expected, actual))
    throw new ExpectedVersionError(stream, expected, actual);
}
