/**
 * The text a failure is recorded under (logs, `dead-lettered` status, the dead letter's error
 * header). A handler may throw anything: a BigInt, a cyclic object, `null`, an Error whose
 * `message` getter throws, a Proxy that throws on every access. Turning that into text must
 * never throw, or the delivery is neither retried nor dead-lettered and its stream stalls.
 */

/** Longest error text kept: a dead letter carries it in a header, which counts against the server's payload limit. */
export const MAX_ERROR_TEXT_LENGTH = 2000;

/** Text for whatever was thrown (or given to `terminate()`); never throws. */
export function errorText(thrown: unknown): string {
  let text: string;
  try {
    text = describe(thrown);
  } catch {
    text = fallback(thrown);
  }
  return text.length > MAX_ERROR_TEXT_LENGTH
    ? `${text.slice(0, MAX_ERROR_TEXT_LENGTH - 1)}…`
    : text;
}

function describe(thrown: unknown): string {
  if (typeof thrown === "string") return thrown;
  if (thrown instanceof Error) return errorMessage(thrown);
  if (thrown === undefined) return "undefined";
  if (typeof thrown === "bigint") return `${thrown}n`;
  if (typeof thrown === "symbol" || typeof thrown === "function") return String(thrown);
  // `JSON.stringify` throws on cycles and BigInt values inside; the fallback handles those.
  return JSON.stringify(thrown) ?? String(thrown);
}

function errorMessage(error: Error): string {
  let message: unknown;
  try {
    message = error.message;
  } catch {
    return `${safeName(error)} (its message could not be read)`;
  }
  return typeof message === "string" ? message : describe(message);
}

function safeName(error: Error): string {
  try {
    return typeof error.name === "string" ? error.name : "Error";
  } catch {
    return "Error";
  }
}

function fallback(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    try {
      return Object.prototype.toString.call(thrown);
    } catch {
      return "a thrown value that cannot be described";
    }
  }
}
