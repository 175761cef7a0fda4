/**
 * The one instrumentation hook of the core: how tracing and metrics (`message-store/otel`)
 * see writes, handler attempts, fetches, entity loads and commands without the core importing
 * them. The store calls it only when the `instrumentation` option is set; without it the cost
 * is one `undefined` check per call. Each method opens a scope before the work and the store
 * ends it after, so an implementation can time the work and see how it ended.
 *
 * A handler attempt and a command also run inside their scope (`run`), so that the writes they
 * make become their children. A write's scope has no such `run`: nothing inside a write opens
 * spans, and entering a context is not free (on Node 20 the first one switches on async hooks
 * for the whole process, which every promise then pays for). A hook must not throw; the store
 * does not guard against one that does.
 */
import type { RawMessage, WriteResult } from "./backend-records.ts";
import type { Message, RecordedMessage } from "./message.ts";
import type { ParsedStream } from "./stream-name.ts";

/** Facts about the store, the same object on every call. */
export interface InstrumentedStore {
  /** The backend kind: `"memory"`, `"nats"`. */
  readonly backend: string;
  /** The store's subject prefix (`""` for none). */
  readonly prefix: string;
  /**
   * The backend's own name for the category's storage (the JetStream stream on NATS, which
   * another writer may have made under its own name), when it is known without asking;
   * `undefined` otherwise. After a write to the category it is known.
   */
  storageOf(category: string): string | undefined;
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

/** One consumer (a subscription or a `consume()` loop), told once when it is made. */
export interface InstrumentedConsumer {
  readonly store: InstrumentedStore;
  /** The durable consumer's name. */
  readonly consumer: string;
  /** The target's category. */
  readonly category: string;
  /** The target stream's id, or `undefined` when the target is the whole category. */
  readonly streamId: string | undefined;
  readonly maxAttempts: number;
}

/** Where a delivered message is stored: the parts of `RawMessage` a trace names. */
export type StoredFacts = Pick<RawMessage, "storage" | "destination" | "headers">;

/**
 * A consumer's instrumentation, made once per subscription or `consume()` loop, so that
 * whatever is the same for every attempt (names, attribute sets) is worked out once.
 */
export interface ConsumerInstrumentation {
  /**
   * One handler attempt (1-based `attempt`) at `message`. `stored.headers` are the message's
   * stored headers where the backend keeps them (NATS), else `undefined`.
   */
  attempt(message: RecordedMessage, attempt: number, stored: StoredFacts): AttemptScope;
}

/**
 * How one handler attempt ended, as the subscription settles it. `error` is the error's
 * message or the reason given; `fail` saw the thrown error itself.
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

/** A scope that work runs inside: what it writes while it runs becomes the scope's child. */
export interface ContextScope {
  /**
   * Calls `work(...args)` with this scope as the active context and returns what it returns
   * (a promise keeps the context across its awaits). The arguments are passed through so a
   * caller needs no closure per call.
   */
  run<Args extends unknown[], Result>(work: (...args: Args) => Result, ...args: Args): Result;
}

export interface AttemptScope extends ContextScope {
  /** The handler threw, rejected or timed out; `end` follows. */
  fail(error: unknown): void;
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

/** An entity store's load of one entity (`fetch`, `get`, and each load of a command). */
export interface InstrumentedLoad {
  readonly store: InstrumentedStore;
  readonly streamName: string;
  readonly category: string;
  /** The entity was in the entity store's cache: the load checks it and reads what is new. */
  readonly cached: boolean;
}

export interface LoadScope {
  end(result: { readonly version: number }): void;
  fail(error: unknown): void;
}

/** `handle()` of one command: load, decide, write, and again on a conflict. */
export interface InstrumentedCommand {
  readonly store: InstrumentedStore;
  readonly streamName: string;
  readonly category: string;
  readonly commandType: string;
  /** The command's own id, when it has one. */
  readonly commandId: string | undefined;
}

export interface CommandScope extends ContextScope {
  end(result: {
    readonly version: number;
    readonly events: number;
    /** The command had been handled before: nothing was decided or written. */
    readonly duplicate: boolean;
  }): void;
  fail(error: unknown): void;
}

/** Implemented by `message-store/otel`; pass it as the store option `instrumentation`. */
export interface Instrumentation {
  write(write: InstrumentedWrite): WriteScope;
  consumer(consumer: InstrumentedConsumer): ConsumerInstrumentation;
  fetch(fetch: InstrumentedFetch): FetchScope;
  load(load: InstrumentedLoad): LoadScope;
  command(command: InstrumentedCommand): CommandScope;
}

/** The names `checkInstrumentation` (options) requires to be methods. */
export const INSTRUMENTATION_METHODS: readonly (keyof Instrumentation)[] = [
  "write",
  "consumer",
  "fetch",
  "load",
  "command",
];

/**
 * The hook bound to one store, as the entity layer calls it: it knows streams and commands,
 * not the store's facts.
 */
export interface EntityInstrumentation {
  load(stream: ParsedStream, cached: boolean): LoadScope;
  command(stream: ParsedStream, command: Message): CommandScope;
}

export function entityInstrumentation(
  hook: Instrumentation,
  store: InstrumentedStore,
): EntityInstrumentation {
  return {
    load: (stream, cached) =>
      hook.load({ store, streamName: stream.name, category: stream.category, cached }),
    command: (stream, command) =>
      hook.command({
        store,
        streamName: stream.name,
        category: stream.category,
        commandType: command.type,
        commandId: typeof command.id === "string" ? command.id : undefined,
      }),
  };
}

/** `work`'s outcome told to `scope`: `end` with `summary` of its value, or `fail`; passes it on. */
export async function reportTo<Value, Summary>(
  scope: { end(summary: Summary): void; fail(error: unknown): void },
  work: Promise<Value>,
  summary: (value: Value) => Summary,
): Promise<Value> {
  let value: Value;
  try {
    value = await work;
  } catch (error) {
    scope.fail(error);
    throw error;
  }
  scope.end(summary(value));
  return value;
}
