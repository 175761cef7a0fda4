/**
 * The checks every options object goes through, wherever it is taken (`connect`, each store
 * call, `subscribe`): unknown keys refused, so a typo never silently changes what a call
 * does, and numbers that must be whole. Each throws `InvalidOptionsError` naming the call.
 */
import { InvalidOptionsError } from "./errors.ts";

/** Throws unless `options` is an object whose keys are all in `allowed`. */
export function checkOptionKeys(
  options: unknown,
  allowed: ReadonlySet<string>,
  call: string,
): void {
  if (options === null || typeof options !== "object") {
    throw new InvalidOptionsError(`${call}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      throw new InvalidOptionsError(`${call}: unknown option ${JSON.stringify(key)}`);
    }
  }
}

function wholeNumber(value: unknown, name: string, min: number, kind: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionsError(
      `${name} must be a ${kind} integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `undefined` stays `undefined`; anything but an integer >= 1 throws. */
export function positiveInteger(value: unknown, name: string): number | undefined {
  return wholeNumber(value, name, 1, "positive");
}

/** `undefined` stays `undefined`; anything but an integer >= 0 throws. */
export function nonNegativeInteger(value: unknown, name: string): number | undefined {
  return wholeNumber(value, name, 0, "non-negative");
}
