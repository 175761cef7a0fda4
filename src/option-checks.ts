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

/**
 * Throws unless `handlers` is an object whose own values are all functions, keyed by message
 * type. Returns a copy without a prototype: a message of type `"constructor"` or `"toString"`
 * then finds no handler unless the caller gave one, and a later change to the caller's object
 * changes nothing.
 */
export function checkHandlerMap<Handler>(
  handlers: Readonly<Record<string, Handler>>,
  call: string,
): Readonly<Record<string, Handler>> {
  if (handlers === null || typeof handlers !== "object" || Array.isArray(handlers)) {
    throw new InvalidOptionsError(
      `${call}: handlers must be an object of functions by message type`,
    );
  }
  const copy: Record<string, Handler> = Object.create(null);
  for (const [type, handler] of Object.entries(handlers)) {
    if (typeof handler !== "function") {
      throw new InvalidOptionsError(
        `${call}: the handler for ${JSON.stringify(type)} is not a function`,
      );
    }
    copy[type] = handler;
  }
  return copy;
}
