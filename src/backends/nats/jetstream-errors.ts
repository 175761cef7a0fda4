/**
 * JetStream error codes, in one map, and their translation into the store's errors. Only
 * this file looks at server codes and descriptions; everything else sees `MessageStoreError`s.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import {
  ClosedConnectionError,
  DrainingConnectionError,
  TimeoutError as NatsTimeoutError,
  NoRespondersError,
  RequestError,
} from "@nats-io/transport-node";
import {
  ConnectionError,
  InvalidMessageError,
  MessageStoreError,
  ReplicasUnavailableError,
  StreamFullError,
  StreamNotFoundError,
  TimeoutError,
} from "../../errors.ts";

export const JetStreamCode = {
  /** `Nats-Expected-Last-Subject-Sequence` did not match: someone wrote to the entity first. */
  WrongLastSequence: 10071,
  /** A discard-new limit refused the message: per subject (a taken position) or bytes/messages (full). */
  StoreFailed: 10077,
  StreamNotFound: 10059,
  StreamNameInUse: 10058,
  MessageTooLarge: 10054,
  /** No set of servers can hold the replicas asked for (too few servers, or too many down). */
  NoSuitablePeers: 10005,
  /** `num_replicas` above 1 on a server that runs JetStream without a cluster. */
  ReplicasNotSupported: 10074,
} as const;

/** The error object JetStream puts in a publish acknowledgement. */
export interface JetStreamApiFailure {
  readonly code: number;
  readonly err_code: number;
  readonly description: string;
}

/** What a refused publish means to a writer: a conflict to resolve, or an error to throw. */
export type PublishRefusal =
  | { readonly kind: "conflict"; readonly failure: JetStreamApiFailure }
  | { readonly kind: "error"; readonly error: MessageStoreError };

// JetStream reports a taken position and a full stream with the same code; only the
// description tells them apart (DESIGN §3).
const PER_SUBJECT_LIMIT = /maximum messages per subject/i;

/** Classifies a refused publish to the JetStream stream `storage`. */
export function classifyPublishFailure(
  storage: string,
  failure: JetStreamApiFailure,
): PublishRefusal {
  const cause = { cause: failure };
  switch (failure.err_code) {
    case JetStreamCode.WrongLastSequence:
      return { kind: "conflict", failure };
    case JetStreamCode.StoreFailed:
      if (PER_SUBJECT_LIMIT.test(failure.description)) return { kind: "conflict", failure };
      return {
        kind: "error",
        error: new StreamFullError(
          storage,
          `JetStream stream ${storage} is full (${failure.description}); nothing was written`,
          cause,
        ),
      };
    case JetStreamCode.StreamNotFound:
      return { kind: "error", error: new StreamNotFoundError(storage) };
    case JetStreamCode.MessageTooLarge:
      return {
        kind: "error",
        error: new InvalidMessageError(
          `JetStream stream ${storage} refused the message: ${failure.description}`,
          cause,
        ),
      };
    default:
      return {
        kind: "error",
        error: new MessageStoreError(
          `JetStream refused the write to ${storage}: ${failure.description} (${failure.err_code})`,
          "BACKEND",
          cause,
        ),
      };
  }
}

/**
 * A failure worth retrying after a pause: nobody answered (JetStream restarting, or a
 * stream leader election), as opposed to an answer that refused the request.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof NoRespondersError) return true;
  return error instanceof RequestError && error.isNoResponders();
}

/** The `error` member of a JetStream API response, when it has one. */
export function apiFailureOf(response: unknown): JetStreamApiFailure | undefined {
  if (typeof response !== "object" || response === null || !("error" in response)) return undefined;
  const failure = (response as { error: unknown }).error;
  if (typeof failure !== "object" || failure === null) return undefined;
  const { code, err_code, description } = failure as Record<string, unknown>;
  return {
    code: typeof code === "number" ? code : 0,
    err_code: typeof err_code === "number" ? err_code : 0,
    description: typeof description === "string" ? description : "unknown JetStream error",
  };
}

/** nats.js's request timeout as the store's `TimeoutError`; any other error unchanged. */
export function translateTimeout(error: unknown, what: string, timeoutMs: number): unknown {
  if (!(error instanceof NatsTimeoutError)) return error;
  return new TimeoutError(`${what}: no answer from NATS within ${timeoutMs} ms`, timeoutMs, {
    cause: error,
  });
}

/** Whether `error` is the server saying the consumer or its stream does not exist. */
export function isConsumerGone(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.ConsumerNotFound ||
      error.code === JetStreamApiCodes.StreamNotFound)
  );
}

/**
 * Any failure of a backend call as a `MessageStoreError`, for the calls that have no
 * translation of their own (reads, consumer and dead-letter administration): nats.js's request
 * timeout (the server is away, or a leader is being elected) as `TimeoutError`; a connection
 * closed or draining under the store (the caller's own, given to `fromNats`) as
 * `ConnectionError`; anything else nats.js or JetStream threw as `MessageStoreError` with
 * code `BACKEND`, the original as its `cause`. The store's own errors pass unchanged.
 */
export function translateNatsError(error: unknown, what: string, timeoutMs: number): unknown {
  if (error instanceof MessageStoreError) return error;
  if (error instanceof NatsTimeoutError) return translateTimeout(error, what, timeoutMs);
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new ConnectionError(`${what}: the NATS connection is closed`, { cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new MessageStoreError(`${what}: ${text}`, "BACKEND", { cause: error });
}

/**
 * A refused stream creation as the store's error when the replicas are the reason; any
 * other error unchanged. The raw JetStream texts ("replicas > 1 not supported in
 * non-clustered mode", "no suitable peers for placement") do not say what to change.
 */
export function translateCreateFailure(error: unknown, storage: string, replicas: number): unknown {
  if (!(error instanceof JetStreamApiError)) return error;
  const cause = { cause: error };
  if (error.code === JetStreamCode.ReplicasNotSupported) {
    return new ReplicasUnavailableError(
      storage,
      replicas,
      `cannot create JetStream stream ${storage} with ${replicas} replicas: the server runs JetStream without a cluster; use replicas 1 or connect to a cluster of at least ${replicas} servers`,
      cause,
    );
  }
  if (error.code === JetStreamCode.NoSuitablePeers) {
    return new ReplicasUnavailableError(
      storage,
      replicas,
      `cannot create JetStream stream ${storage} with ${replicas} replicas: the cluster has no ${replicas} servers able to hold it (${error.message}); use at most as many replicas as the cluster has JetStream servers up`,
      cause,
    );
  }
  return error;
}
