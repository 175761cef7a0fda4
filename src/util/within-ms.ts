/**
 * Bounding one attempt of a request whose own timeout is too long for the caller, such as
 * a JetStream API call that nobody answers while a leader is being elected.
 */

/** What `withinMs` rejects with when `timeoutMs` passes first. */
export class AttemptTimedOut extends Error {
  override readonly name = "AttemptTimedOut";
}

/** `work`'s result, or `AttemptTimedOut` once `timeoutMs` passed without one (a late answer is dropped). */
export function withinMs<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new AttemptTimedOut(`${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    void work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
