/**
 * A write whose reply was lost (a timeout, a dropped connection) may or may not have been
 * stored. The backend knows where it would have landed: after the version it appended at.
 * It marks the error it throws with that version, and the store, when the caller retries
 * with the same message id, looks there first (DESIGN §3, "Idempotent writes without
 * headers"). The mark travels beside the error rather than in it, so the public error types
 * stay as they are.
 */
const attemptedAfter = new WeakMap<object, number>();

/** Records that `error` ended an append made after `afterVersion` whose outcome is unknown. */
export function markUncertainAppend(error: unknown, afterVersion: number): void {
  if (typeof error === "object" && error !== null) attemptedAfter.set(error, afterVersion);
}

/** The version an append with an unknown outcome was made after, if `error` is one. */
export function uncertainAppendVersion(error: unknown): number | undefined {
  return typeof error === "object" && error !== null ? attemptedAfter.get(error) : undefined;
}
