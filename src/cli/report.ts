/**
 * Turns a failure into the one line a person reads on stderr: the error's name, what
 * happened, and what to do about it. Stack traces and causes only with `--debug`.
 */
import { inspect } from "node:util";
import { redactUrl } from "../connection-security.ts";
import {
  isAuthorizationError,
  isConnectionError,
  isExpectedVersionError,
  isInvalidStreamNameError,
  isMessageStoreError,
  isStreamFullError,
  isStreamNotFoundError,
  isTimeoutError,
  isUnsupportedServerError,
} from "../index.ts";
import { ImportLineError } from "./import-line.ts";
import type { Styler } from "./style.ts";

/** Error codes of a failed host name lookup: no such name, or no answer from DNS. */
const NAME_LOOKUP_CODES: ReadonlySet<unknown> = new Set(["ENOTFOUND", "EAI_AGAIN"]);

/** The host name whose lookup failed somewhere in `error`'s causes, if that is what failed. */
function unresolvedHost(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if ("code" in cause && NAME_LOOKUP_CODES.has(cause.code)) {
      return "hostname" in cause && typeof cause.hostname === "string" ? cause.hostname : "";
    }
    cause = cause.cause;
  }
  return undefined;
}

/** What to do next, by error kind; `undefined` when the message says enough. */
function advice(error: unknown, url: string): string | undefined {
  if (error instanceof ImportLineError) {
    return `fix line ${error.line} and import again: messages already imported are not written twice`;
  }
  if (isAuthorizationError(error)) {
    return "check --user/--password, --token, --nkey or --creds (or NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_NKEY, NATS_CREDS)";
  }
  if (isConnectionError(error) && unresolvedHost(error) !== undefined)
    return "check the host name in --url or MESSAGE_STORE_URL";
  if (isConnectionError(error)) return "start one with 'mstore dev', or pass --url";
  if (isInvalidStreamNameError(error))
    return "stream names are category-id, without whitespace, '.', '*' or '>'";
  if (isExpectedVersionError(error)) return "read the stream and retry with its current version";
  if (isUnsupportedServerError(error)) return "upgrade nats-server, or run 'mstore dev'";
  if (isStreamFullError(error)) return "raise the category's byte limit or move old messages away";
  if (isStreamNotFoundError(error)) return "create the category first";
  if (isTimeoutError(error)) return `check that the server at ${redactUrl(url)} is up and retry`;
  return undefined;
}

function headline(error: unknown, url: string): string {
  // Which login was refused, and where: the message names no secret.
  if (isAuthorizationError(error)) return error.message;
  // The underlying message varies with the transport; the fact that matters is the URL,
  // unless the host name itself does not resolve.
  const host = unresolvedHost(error);
  if (isConnectionError(error) && host !== undefined) {
    return `cannot resolve the host ${host === "" ? "" : `${host} `}of ${redactUrl(url)}`;
  }
  if (isConnectionError(error)) return `no NATS server at ${redactUrl(url)}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function describeError(error: unknown, url: string): string {
  const name = error instanceof Error ? error.name : "Error";
  const tip = advice(error, url);
  return `${name}: ${headline(error, url)}${tip === undefined ? "" : ` — ${tip}`}`;
}

export function reportError(
  error: unknown,
  options: { url: string; debug: boolean; style: Styler; stderr: NodeJS.WritableStream },
): void {
  const line = describeError(error, options.url);
  options.stderr.write(`${options.style("red", line)}\n`);
  if (options.debug) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : inspect(error);
    options.stderr.write(`${detail}\n`);
    if (error instanceof Error && error.cause !== undefined) {
      options.stderr.write(`cause: ${inspect(error.cause)}\n`);
    }
  } else if (!isMessageStoreError(error) && !(error instanceof Error)) {
    options.stderr.write(`${inspect(error)}\n`);
  }
}
