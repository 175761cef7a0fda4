/**
 * Typed access to the values `parseArgs` found. A value that does not fit is a usage
 * error (exit 2), never a store error.
 */
import { UsageError } from "./usage-error.ts";

type RawValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export class Flags {
  readonly #values: RawValues;
  readonly #command: string | undefined;

  constructor(values: RawValues, command: string | undefined) {
    this.#values = values;
    this.#command = command;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === "string" ? value : undefined;
  }

  boolean(name: string): boolean {
    return this.#values[name] === true;
  }

  /** An integer flag, at least `min`. */
  integer(name: string, min: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    return parseInteger(text, `--${name}`, min, this.#command);
  }
}

export function parseInteger(
  text: string,
  what: string,
  min: number,
  command: string | undefined,
): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(
      `${what} must be an integer >= ${min}, got ${JSON.stringify(text)}`,
      command,
    );
  }
  return value;
}

/** Parses a JSON argument; malformed JSON is a usage error. */
export function parseJsonArgument(text: string, what: string, command: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${what} is not valid JSON: ${reason}`, command);
  }
}
