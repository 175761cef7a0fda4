/**
 * The one instrumentation hook of the core: how tracing and metrics (`message-store/otel`)
 * see writes, handler attempts and fetches without the core importing them. The store calls
 * it only when the `instrumentation` option is set; without it the cost is one `undefined`
 * check per call. Each method opens a scope before the work and the store ends it after, so
 * an implementation can time the work and see how it ended; a handler attempt also runs inside
 * its scope, so that the handler's own writes become its children. A write's scope has no
 * such `run`: nothing inside a write opens spans, and entering a context is not free (on Node
 * 20 the first one switches on async hooks for the whole process). A hook must not throw; the store does not
 * guard against one that does.
 */
import type { WriteResult } from "./backend-records.ts";
import type { RecordedMessage } from "./message.ts";

/** Facts about the store, the same object on every call. */
export interface InstrumentedStore {
  /** The backend kind: `"memory"`, `"nats"`. */
  readonly backend: string;
  /** The store's subject prefix (`""` for none). */
  readonly prefix: string;
}

/** Where a trace context travels beside a message, as text keys and values. */
export type TraceCarrier = Record<string, string>;

export interface InstrumentedWrite {
  readonly store: InstrumentedStore;
  readonly streamName: string;
  readonly category: string;
  readonly streamId: string | undefined;
  /** The first message's type. */
  readonly messageType: string;
  readonly messageCount: number;
  /** As the caller gave it; `"any"` when it gave none. */
  readonly expectedVersion: number | string;
}

export interface WriteScope {
  /** Added to every written message's metadata (e.g. the trace context). */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  /** Stored as message headers where the backend keeps headers (NATS), for readers that look there. */
  readonly headers?: Readonly<TraceCarrier> | undefined;
  end(result: WriteResult): void;
  fail(error: unknown): void;
}

export interface InstrumentedAttempt {
  readonly store: InstrumentedStore;
  readonly consumer: string;
  /** The subscription's target: a category, or a stream name. */
  readonly target: string;
  readonly message: RecordedMessage;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The message's stored headers, when the backend keeps them (NATS); `undefined` when none. */
  readonly headers: Readonly<TraceCarrier> | undefined;
  /** The backend's storage name (the JetStream stream on NATS). */
  readonly storage: string;
  /** Where it was published: its subject on NATS, its stream name on memory (`RawMessage.destination`). */
  readonly subject: string;
}

/**
 * How one handler attempt ended, as the subscription settles it. `error` is the error's
 * message or the reason given; `run` sees the thrown error itself.
 */
export type AttemptOutcome =
  | { readonly kind: "ack" }
  /** Redelivered later. */
  | { readonly kind: "retry"; readonly error: string }
  /** Given up: dead-lettered when the consumer has a dead-letter category, dropped otherwise. */
  | {
      readonly kind: "dead-letter" | "drop";
      readonly reason: "failed" | "terminated";
      readonly error: string;
    };

export interface AttemptScope {
  /** Runs the handler with this attempt as the active context; a throw or rejection passes through. */
  run(work: () => void | Promise<void>): Promise<void>;
  end(outcome: AttemptOutcome): void;
}

export interface InstrumentedFetch {
  readonly store: InstrumentedStore;
  readonly streamName: string;
  readonly category: string;
}

export interface FetchScope {
  end(result: { readonly version: number; readonly messages: number }): void;
  fail(error: unknown): void;
}

/** Implemented by `message-store/otel`; pass it as the store option `instrumentation`. */
export interface Instrumentation {
  write(write: InstrumentedWrite): WriteScope;
  attempt(attempt: InstrumentedAttempt): AttemptScope;
  fetch(fetch: InstrumentedFetch): FetchScope;
}
