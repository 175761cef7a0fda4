/**
 * Every error the store throws is a `MessageStoreError` with a stable `code`, so callers
 * branch on identity (`isExpectedVersionError(e)`) and never on message text. Backend
 * errors are translated into these at the backend's edge; the original is kept as `cause`.
 */

export type MessageStoreErrorCode =
  | "EXPECTED_VERSION"
  | "INVALID_STREAM_NAME"
  | "INVALID_MESSAGE"
  | "INVALID_OPTIONS"
  | "MALFORMED_MESSAGE"
  | "STREAM_NOT_FOUND"
  | "STREAM_FULL"
  | "UNSUPPORTED_SERVER"
  | "TIMEOUT"
  | "CONNECTION"
  | "CLOSED"
  | "UNSUPPORTED"
  | "REPLICAS_UNAVAILABLE"
  | "CATEGORY_LAYOUT"
  | "BACKEND";

export interface ErrorDetails {
  cause?: unknown;
}

export class MessageStoreError extends Error {
  readonly code: MessageStoreErrorCode;

  constructor(
    message: string,
    code: MessageStoreErrorCode = "BACKEND",
    details: ErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "MessageStoreError";
    this.code = code;
  }
}

/** The stream's version did not match the write's `expectedVersion`. Nothing was written. */
export class ExpectedVersionError extends MessageStoreError {
  readonly stream: string;
  readonly expected: number | string;
  /** The stream's version when the write was refused (`-1` when it has no messages). */
  readonly actual: number;

  constructor(
    stream: string,
    expected: number | string,
    actual: number,
    details: ErrorDetails = {},
  ) {
    super(
      `wrong expected version for stream ${stream}: expected ${String(expected)}, stream is at ${actual}`,
      "EXPECTED_VERSION",
      details,
    );
    this.name = "ExpectedVersionError";
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

export class InvalidStreamNameError extends MessageStoreError {
  readonly streamName: string;

  constructor(streamName: string, reason: string) {
    super(`invalid stream name ${JSON.stringify(streamName)}: ${reason}`, "INVALID_STREAM_NAME");
    this.name = "InvalidStreamNameError";
    this.streamName = streamName;
  }
}

/** One problem a message type's schema found: where (`path`, empty for the whole data) and what. */
export interface MessageIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export class InvalidMessageError extends MessageStoreError {
  /** What the message type's schema reported; empty when the store's own checks refused it. */
  readonly issues: readonly MessageIssue[];

  constructor(
    message: string,
    details: ErrorDetails & { issues?: readonly MessageIssue[] | undefined } = {},
  ) {
    super(message, "INVALID_MESSAGE", details);
    this.name = "InvalidMessageError";
    this.issues = details.issues ?? [];
  }
}

export class InvalidOptionsError extends MessageStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, "INVALID_OPTIONS", details);
    this.name = "InvalidOptionsError";
  }
}

/**
 * A NATS context (the `nats` CLI's saved connection settings) that cannot be used: no file
 * of that name, a file that cannot be read or is not a context, or a setting the store does
 * not support. An `InvalidOptionsError`, so code that handles those handles this too; the
 * message names the context and its file, never a secret in it.
 */
export class NatsContextError extends InvalidOptionsError {
  /** The context's name, as given. */
  readonly contextName: string;
  /** The file it was read from, or would have been. */
  readonly file: string;

  constructor(contextName: string, file: string, problem: string, details: ErrorDetails = {}) {
    super(`NATS context ${JSON.stringify(contextName)} (${file}): ${problem}`, details);
    this.name = "NatsContextError";
    this.contextName = contextName;
    this.file = file;
  }
}

export const isNatsContextError = (error: unknown): error is NatsContextError =>
  error instanceof NatsContextError;

/** A stored body that is not a JSON object with a string `type`. */
export class MalformedMessageError extends MessageStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, "MALFORMED_MESSAGE", details);
    this.name = "MalformedMessageError";
  }
}

export class StreamNotFoundError extends MessageStoreError {
  /** The backend's name for what must be created, e.g. the JetStream stream `app-account`. */
  readonly stream: string;

  constructor(stream: string, message?: string) {
    super(
      message ?? `stream ${stream} does not exist and createMissingStreams is off`,
      "STREAM_NOT_FOUND",
    );
    this.name = "StreamNotFoundError";
    this.stream = stream;
  }
}

/** The category reached a configured limit (bytes or messages). Nothing was written or dropped. */
export class StreamFullError extends MessageStoreError {
  readonly stream: string;

  constructor(stream: string, message?: string, details: ErrorDetails = {}) {
    super(message ?? `stream ${stream} is full`, "STREAM_FULL", details);
    this.name = "StreamFullError";
    this.stream = stream;
  }
}

export class UnsupportedServerError extends MessageStoreError {
  readonly found: string;
  readonly required: string;

  constructor(found: string, required: string) {
    super(
      `nats-server ${found} is not supported: message-store needs nats-server >= ${required}`,
      "UNSUPPORTED_SERVER",
    );
    this.name = "UnsupportedServerError";
    this.found = found;
    this.required = required;
  }
}

export class TimeoutError extends MessageStoreError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, details: ErrorDetails = {}) {
    super(message, "TIMEOUT", details);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

export class ConnectionError extends MessageStoreError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, "CONNECTION", details);
    this.name = "ConnectionError";
  }
}

/** The store, or the subscription, was closed before the operation could run. */
export class ClosedError extends MessageStoreError {
  constructor(message = "the message store is closed") {
    super(message, "CLOSED");
    this.name = "ClosedError";
  }
}

/** The backend lacks a capability the call needs (e.g. atomic batches on a foreign stream). */
export class UnsupportedError extends MessageStoreError {
  constructor(message: string) {
    super(message, "UNSUPPORTED");
    this.name = "UnsupportedError";
  }
}

/**
 * `ensureCategory` asked for a layout the category's existing storage does not have. The
 * layout decides where every message of the category sits, so it is never switched in place.
 */
export class CategoryLayoutError extends MessageStoreError {
  readonly category: string;
  readonly layout: string;
  readonly requested: string;

  constructor(category: string, layout: string, requested: string, storage: string) {
    super(
      `category ${category} is in the ${layout} layout (JetStream stream ${storage}); it cannot be switched to the ${requested} layout: its messages would no longer be found. Leave out layout to use it as it is, or move its messages to a new category`,
      "CATEGORY_LAYOUT",
    );
    this.name = "CategoryLayoutError";
    this.category = category;
    this.layout = layout;
    this.requested = requested;
  }
}

const hasCode = (error: unknown, code: MessageStoreErrorCode): boolean =>
  error instanceof MessageStoreError && error.code === code;

export const isMessageStoreError = (error: unknown): error is MessageStoreError =>
  error instanceof MessageStoreError;
export const isExpectedVersionError = (error: unknown): error is ExpectedVersionError =>
  hasCode(error, "EXPECTED_VERSION");
export const isInvalidStreamNameError = (error: unknown): error is InvalidStreamNameError =>
  hasCode(error, "INVALID_STREAM_NAME");
export const isInvalidMessageError = (error: unknown): error is InvalidMessageError =>
  hasCode(error, "INVALID_MESSAGE");
export const isInvalidOptionsError = (error: unknown): error is InvalidOptionsError =>
  hasCode(error, "INVALID_OPTIONS");
export const isMalformedMessageError = (error: unknown): error is MalformedMessageError =>
  hasCode(error, "MALFORMED_MESSAGE");
export const isStreamNotFoundError = (error: unknown): error is StreamNotFoundError =>
  hasCode(error, "STREAM_NOT_FOUND");
export const isStreamFullError = (error: unknown): error is StreamFullError =>
  hasCode(error, "STREAM_FULL");
export const isUnsupportedServerError = (error: unknown): error is UnsupportedServerError =>
  hasCode(error, "UNSUPPORTED_SERVER");
export const isTimeoutError = (error: unknown): error is TimeoutError => hasCode(error, "TIMEOUT");
export const isConnectionError = (error: unknown): error is ConnectionError =>
  hasCode(error, "CONNECTION");
export const isClosedError = (error: unknown): error is ClosedError => hasCode(error, "CLOSED");
export const isUnsupportedError = (error: unknown): error is UnsupportedError =>
  hasCode(error, "UNSUPPORTED");

/**
 * The server refused the credentials (wrong user, password, token, nkey or creds file) or
 * their permissions. A `ConnectionError`, so code that handles those handles this too; the
 * message never repeats a secret.
 */
export class AuthorizationError extends ConnectionError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.name = "AuthorizationError";
  }
}

export const isAuthorizationError = (error: unknown): error is AuthorizationError =>
  error instanceof AuthorizationError;

/**
 * JetStream cannot place a category's stream with the `replicas` asked for: the server is
 * not clustered, the cluster has fewer servers, or too many of them are down. Nothing was
 * created.
 */
export class ReplicasUnavailableError extends MessageStoreError {
  readonly stream: string;
  readonly replicas: number;

  constructor(stream: string, replicas: number, message: string, details: ErrorDetails = {}) {
    super(message, "REPLICAS_UNAVAILABLE", details);
    this.name = "ReplicasUnavailableError";
    this.stream = stream;
    this.replicas = replicas;
  }
}

export const isReplicasUnavailableError = (error: unknown): error is ReplicasUnavailableError =>
  hasCode(error, "REPLICAS_UNAVAILABLE");
export const isCategoryLayoutError = (error: unknown): error is CategoryLayoutError =>
  hasCode(error, "CATEGORY_LAYOUT");
