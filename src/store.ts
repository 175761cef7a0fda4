/**
 * `MessageStore`: the public API over a backend. It validates every argument before a
 * backend sees it, assigns ids and encodes bodies, and owns the behaviours that must be the
 * same on every backend: idempotent retries, `fetch`, `waitFor` and subscriptions.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type {
  Backend,
  CategoryLayout,
  CategorySettings,
  CategoryStats,
  ConsumerInfo,
  DeadLetterRecord,
  TailStart,
  WriteResult,
} from "./backend.ts";
import { encodeBody } from "./body.ts";
import type { DeadLettersOptions, RedriveOptions } from "./consumer-admin.ts";
import * as admin from "./consumer-admin.ts";
import type { Diagnosis } from "./diagnosis.ts";
import {
  type AnyEntityOptions,
  CachedEntityStore,
  type ContractEntityOptions,
  type ContractEntityStore,
  type EntityOptions,
  EntityRegistry,
  type EntityStore,
  type HandleResult,
  type StoreHandleOptions,
} from "./entities/index.ts";
import {
  ClosedError,
  InvalidMessageError,
  InvalidOptionsError,
  isExpectedVersionError,
  MessageStoreError,
  TimeoutError,
} from "./errors.ts";
import {
  checkExpectedVersion,
  type ExpectedVersion,
  exactExpectedVersion,
  matchesExpectedVersion,
} from "./expected-version.ts";
import { findRetriedWrite, WritesByStream } from "./idempotency.ts";
import {
  type EntityInstrumentation,
  entityInstrumentation,
  type InstrumentedStore,
  type WriteScope,
} from "./instrumentation.ts";
import {
  checkMessage,
  type Message,
  type MessageOfType,
  messageList,
  newMessageId,
  type PreparedMessage,
  type RecordedMessage,
} from "./message.ts";
import { checkCorrelation, splitConsumerOptions } from "./messages/consumer-options.ts";
import {
  contractOf,
  type MessageOf,
  type MessageSpecs,
  type MessageToWrite,
  type RecordedMessageOf,
  type TypedStream,
} from "./messages/contract.ts";
import { withHandlerContext } from "./messages/handler-tools.ts";
import { categoryView, readCapOf, upcastPages } from "./messages/read-view.ts";
import { upcasterFor } from "./messages/upcast.ts";
import { checkWrite } from "./messages/write-check.ts";
import {
  nonNegativeInteger as checkedNonNegative,
  checkHandlerMap,
  checkOptionKeys,
  positiveInteger,
} from "./option-checks.ts";
import type { ResolvedOptions } from "./options.ts";
import { collectPages } from "./read-pages.ts";
import type { StartAtOption } from "./start-at.ts";
import {
  type ParsedStream,
  parseCategory,
  parseStream,
  parseTarget,
  type StreamRef,
  type TargetRef,
} from "./stream-name.ts";
import { createConsumer } from "./subscribe/consume.ts";
import { createSubscription } from "./subscribe/subscription.ts";
import type {
  ConsumedMessage,
  ConsumeOptions,
  SubscribeOptions,
  Subscription,
} from "./subscribe/types.ts";
import { uncertainAppendVersion } from "./uncertain-append.ts";

export interface WriteOptions {
  /** @default "any" */
  expectedVersion?: ExpectedVersion | undefined;
}

export interface ReadOptions {
  /** Inclusive. @default 0 */
  fromPosition?: number | undefined;
  /** Caps the total; without it everything is returned, paging internally. */
  maxCount?: number | undefined;
}

export interface ReadCategoryOptions {
  /** Inclusive. @default 1 */
  fromGlobalPosition?: number | undefined;
  /** Caps the total (after `correlation` filters). */
  maxCount?: number | undefined;
  /**
   * Only messages whose `correlationStreamName` is in this category, as Message DB's
   * `get_category_messages` filters. Filtered in the client on every backend.
   * @default undefined (every message)
   */
  correlation?: string | undefined;
}

export interface EnsureCategoryOptions {
  /**
   * Refuse a second write to a stream position (the store's concurrency check). Turn off for
   * categories shared with writers that put several messages on one subject.
   * @default true
   */
  positionGuard?: boolean | undefined;
  /** @default the store's `maxBytes` */
  maxBytes?: number | undefined;
  /** @default the store's `replicas` */
  replicas?: number | undefined;
  /**
   * NATS: where the category's entities sit when its stream is created now. `"position"`: a
   * subject per message (fast entity reads). `"zencastr"`: one subject per entity, as Zencastr
   * services write and read it (see docs/zencastr.md). An existing category keeps its layout;
   * asking for the other one is `CategoryLayoutError`.
   * @default "position" for a new category, the existing layout otherwise
   */
  layout?: CategoryLayout | undefined;
}

export type Projection<State, Received extends RecordedMessage = RecordedMessage> = (
  state: State,
  message: Received,
) => State;

/** Projections by message type; with a contract, only its types, each given its own message. */
export type Projections<State, Received extends RecordedMessage = RecordedMessage> = {
  readonly [Type in Received["type"]]?: Projection<State, MessageOfType<Received, Type>>;
};

export interface FetchOptions<State, Received extends RecordedMessage = RecordedMessage> {
  /** The starting state, or a function that makes one (called per fetch). */
  init: State | (() => State);
  /** Folds by message type; other types are skipped. */
  handlers: Projections<State, Received>;
}

export interface WaitForOptions {
  /** @default 5000 */
  timeoutMs?: number | undefined;
  /** Consider the stream's existing messages from this position first (a stream target only). */
  fromPosition?: number | undefined;
  /** Consider the target's existing messages from this global position first. */
  fromGlobalPosition?: number | undefined;
}

export interface TailOptions {
  /** Inclusive. @default after the current last message: only new messages */
  fromGlobalPosition?: number | undefined;
  /** Ends the iteration. */
  signal?: AbortSignal | undefined;
}

const DEFAULT_WAIT_TIMEOUT_MS = 5000;
/** A blind write that keeps losing races gives up eventually rather than spinning. */
const MAX_CONFLICT_RETRIES = 100;
const RACE_BACKOFF_BASE_MS = 1;
const RACE_BACKOFF_MAX_MS = 50;

/** A category as a string, or `{ category }` for a category that contains `-`. */
export type CategoryRef = string | { readonly category: string };

function nonNegativeInteger(value: number | undefined, name: string, fallback: number): number {
  return checkedNonNegative(value, name) ?? fallback;
}

const WRITE_OPTION_KEYS: ReadonlySet<string> = new Set(["expectedVersion"]);
const READ_OPTION_KEYS: ReadonlySet<string> = new Set(["fromPosition", "maxCount"]);
const READ_CATEGORY_OPTION_KEYS: ReadonlySet<string> = new Set([
  "fromGlobalPosition",
  "maxCount",
  "correlation",
]);
const ENSURE_OPTION_KEYS: ReadonlySet<string> = new Set([
  "positionGuard",
  "maxBytes",
  "replicas",
  "layout",
]);
const LAST_OPTION_KEYS: ReadonlySet<string> = new Set(["type"]);
const FETCH_OPTION_KEYS: ReadonlySet<string> = new Set(["init", "handlers"]);
const WAIT_OPTION_KEYS: ReadonlySet<string> = new Set([
  "timeoutMs",
  "fromPosition",
  "fromGlobalPosition",
]);

const LAYOUTS: readonly CategoryLayout[] = ["position", "zencastr"];

function checkLayout(value: CategoryLayout | undefined): CategoryLayout | undefined {
  if (value === undefined || LAYOUTS.includes(value)) return value;
  throw new InvalidOptionsError(
    `ensureCategory: layout must be "position" or "zencastr", got ${JSON.stringify(value)}`,
  );
}

function maxCountOf(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  return nonNegativeInteger(value, "maxCount", 0);
}

export class MessageStore implements AsyncDisposable {
  readonly #backend: Backend;
  readonly #options: ResolvedOptions;
  /** Results of this instance's writes, so a blind retry of one is answered, not stored. */
  readonly #recentWrites = new WritesByStream<WriteResult>();
  /** Where writes whose reply was lost would have landed: after this version. */
  readonly #uncertainWrites = new WritesByStream<number>();
  /** Entity stores made by this store: its writes move their cached entities. */
  readonly #entityStores = new EntityRegistry();
  readonly #subscriptions = new Set<Subscription>();
  /** What the instrumentation is told about this store, made once. */
  readonly #instrumented: InstrumentedStore;
  /** The instrumentation as entity stores call it; `undefined` without one. */
  readonly #entityInstrumentation: EntityInstrumentation | undefined;
  #closing: Promise<void> | undefined;

  /** Use `connect()` or `fromNats()`; this is for custom backends and tests. */
  constructor(backend: Backend, options: ResolvedOptions) {
    this.#backend = backend;
    this.#options = options;
    this.#instrumented = {
      backend: backend.kind,
      prefix: options.prefix,
      storageOf: (category) => backend.storageName?.(category),
    };
    this.#entityInstrumentation =
      options.instrumentation && entityInstrumentation(options.instrumentation, this.#instrumented);
  }

  /** `"memory"` or `"nats"`. */
  get backendKind(): string {
    return this.#backend.kind;
  }

  get options(): ResolvedOptions {
    return this.#options;
  }

  async ensureCategory(
    categoryName: CategoryRef,
    options: EnsureCategoryOptions = {},
  ): Promise<void> {
    this.#assertOpen();
    checkOptionKeys(options, ENSURE_OPTION_KEYS, "ensureCategory");
    const category = parseCategory(categoryName, "ensureCategory");
    if (options.positionGuard !== undefined && typeof options.positionGuard !== "boolean") {
      throw new InvalidOptionsError("ensureCategory: positionGuard must be a boolean");
    }
    const settings: CategorySettings = {
      positionGuard: options.positionGuard ?? true,
      maxBytes: positiveInteger(options.maxBytes, "maxBytes") ?? this.#options.maxBytes,
      replicas: positiveInteger(options.replicas, "replicas") ?? this.#options.replicas,
      layout: checkLayout(options.layout),
    };
    await this.#backend.ensureCategory(category, settings);
  }

  /**
   * Appends one message, or an array atomically (all or none). Returns the last message's
   * place. Retrying with the same message `id` stores nothing and returns the first result.
   */
  write<Ref extends StreamRef>(
    stream: Ref,
    messages: MessageToWrite<Ref> | readonly MessageToWrite<Ref>[],
    options?: WriteOptions,
  ): Promise<WriteResult>;
  async write(
    stream: StreamRef,
    messages: Message | readonly Message[],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    this.#assertOpen();
    const parsed = parseStream(stream);
    checkOptionKeys(options, WRITE_OPTION_KEYS, "write");
    const expected = checkExpectedVersion(
      options.expectedVersion === undefined ? "any" : options.expectedVersion,
    );
    const contract = contractOf(stream);
    const instrumentation = this.#options.instrumentation;
    if (instrumentation === undefined)
      return this.#writeChecked(parsed, messages, expected, contract);
    const first: Message | undefined = Array.isArray(messages) ? messages[0] : messages;
    const scope = instrumentation.write({
      store: this.#instrumented,
      streamName: parsed.name,
      category: parsed.category,
      streamId: parsed.id,
      messageType: typeof first?.type === "string" ? first.type : "",
      messageCount: Array.isArray(messages) ? messages.length : 1,
      expectedVersion: expected,
    });
    try {
      const result = await this.#writeChecked(parsed, messages, expected, contract, scope);
      scope.end(result);
      return result;
    } catch (error) {
      scope.fail(error);
      throw error;
    }
  }

  async #writeChecked(
    parsed: ParsedStream,
    messages: Message | readonly Message[],
    expected: ExpectedVersion,
    contract: ReturnType<typeof contractOf>,
    scope?: WriteScope,
  ): Promise<WriteResult> {
    const prepared = this.#prepare(
      contract === undefined ? messages : await checkWrite(contract, messages),
      scope,
    );
    // Only a caller's own id can come back in a retry; one made up here is new by definition,
    // so such writes skip the caches of earlier writes (a cost on every write, bench W6).
    const retryId = callerGaveFirstId(messages) ? (prepared[0] as PreparedMessage).id : undefined;
    if (retryId === undefined) {
      return this.#written(
        parsed,
        prepared,
        await this.#appendUntilPlaced(parsed, prepared, expected),
      );
    }
    const remembered = this.#recentWrites.get(parsed.name, retryId);
    if (remembered !== undefined) return remembered;
    const result = await this.#appendOrRecognise(parsed, prepared, expected, retryId);
    this.#recentWrites.remember(parsed.name, retryId, result);
    return this.#written(parsed, prepared, result);
  }

  /** Tells the entity stores of the stream's category what was written; returns `result`. */
  #written(
    stream: ParsedStream,
    prepared: readonly PreparedMessage[],
    result: WriteResult,
  ): WriteResult {
    this.#entityStores.written(stream, prepared, result);
    return result;
  }

  /**
   * A write that carries the caller's id may repeat one whose reply was lost: look where that
   * one would have landed before appending, and remember where this one would land if its
   * reply is lost too.
   */
  async #appendOrRecognise(
    stream: ParsedStream,
    prepared: readonly PreparedMessage[],
    expected: ExpectedVersion,
    retryId: string,
  ): Promise<WriteResult> {
    const uncertainAfter = this.#uncertainWrites.get(stream.name, retryId);
    if (uncertainAfter !== undefined) {
      const earlier = await findRetriedWrite(this.#backend, stream, uncertainAfter, prepared);
      if (earlier !== undefined) return earlier;
    }
    try {
      const result = await this.#appendUntilPlaced(stream, prepared, expected);
      this.#uncertainWrites.forget(stream.name, retryId);
      return result;
    } catch (error) {
      const attemptedAfter = uncertainAppendVersion(error);
      // The first unknown outcome is the one to look behind: a later attempt made after a
      // higher version can only have been refused if the first one landed.
      if (attemptedAfter !== undefined && uncertainAfter === undefined)
        this.#uncertainWrites.remember(stream.name, retryId, attemptedAfter);
      throw error;
    }
  }

  /**
   * The one retry loop for every backend. A backend appends at the expected version or
   * refuses with the actual one; an exact expectation that is refused is either this same
   * write, already stored (a retry: answer with its result), or a real conflict. `"any"` and
   * `"exists"` try again at the new end while the stream still satisfies them.
   */
  async #appendUntilPlaced(
    stream: ParsedStream,
    prepared: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult> {
    const exact = exactExpectedVersion(expected);
    for (let conflicts = 0; ; conflicts += 1) {
      try {
        return await this.#backend.append(stream, prepared, expected);
      } catch (error) {
        if (!isExpectedVersionError(error)) throw error;
        // The refusal may be this same write, already stored: a retry of an exact write, or
        // a publish the backend sent again after no answer. Look where it would have landed.
        const landedAfter = exact ?? uncertainAppendVersion(error);
        if (landedAfter !== undefined) {
          const earlier = await findRetriedWrite(this.#backend, stream, landedAfter, prepared);
          if (earlier !== undefined) return earlier;
        }
        if (exact !== undefined) throw error;
        if (!matchesExpectedVersion(expected, error.actual)) throw error;
        if (conflicts >= MAX_CONFLICT_RETRIES) {
          throw new MessageStoreError(
            `write to ${stream.name} lost ${conflicts} races in a row to other writers`,
            "BACKEND",
            { cause: error },
          );
        }
        await raceBackoff(conflicts);
      }
    }
  }

  /** The stream's messages in position order. Yields nothing for a stream never written. */
  read<Ref extends StreamRef>(stream: Ref, options?: ReadOptions): AsyncGenerator<MessageOf<Ref>>;
  async *read(stream: StreamRef, options: ReadOptions = {}): AsyncGenerator<RecordedMessage> {
    for await (const page of this.#readStreamPages(stream, options)) yield* page;
  }

  /** `read` as an array. */
  get<Ref extends StreamRef>(stream: Ref, options?: ReadOptions): Promise<MessageOf<Ref>[]>;
  async get(stream: StreamRef, options: ReadOptions = {}): Promise<RecordedMessage[]> {
    // A page at a time: a tick per message would cost more than decoding it (bench W3).
    return collectPages(this.#readStreamPages(stream, options));
  }

  #readStreamPages(
    stream: StreamRef,
    options: ReadOptions,
  ): AsyncIterable<readonly RecordedMessage[]> {
    this.#assertOpen();
    const parsed = parseStream(stream);
    checkOptionKeys(options, READ_OPTION_KEYS, "read");
    const from = nonNegativeInteger(options.fromPosition, "fromPosition", 0);
    const pages = this.#backend.readStreamPages(parsed, from, maxCountOf(options.maxCount));
    return upcastPages(pages, upcasterFor(contractOf(stream)));
  }

  /** The category's messages in global order (see `globalPosition`). */
  readCategory<Ref extends CategoryRef>(
    categoryName: Ref,
    options?: ReadCategoryOptions,
  ): AsyncGenerator<MessageOf<Ref>>;
  async *readCategory(
    categoryName: CategoryRef,
    options: ReadCategoryOptions = {},
  ): AsyncGenerator<RecordedMessage> {
    this.#assertOpen();
    const category = parseCategory(categoryName, "readCategory");
    checkOptionKeys(options, READ_CATEGORY_OPTION_KEYS, "readCategory");
    const from = nonNegativeInteger(options.fromGlobalPosition, "fromGlobalPosition", 1);
    const correlation = checkCorrelation(options.correlation);
    const maxCount = maxCountOf(options.maxCount);
    const messages = this.#backend.readCategory(
      category,
      Math.max(from, 1),
      readCapOf(maxCount, correlation),
    );
    const upcast = upcasterFor(contractOf(categoryName));
    yield* categoryView(messages, { correlation, maxCount, upcast });
  }

  /** The stream's last message, or its last of `type`. */
  last<Ref extends StreamRef>(
    stream: Ref,
    options?: { type?: MessageOf<Ref>["type"] | undefined },
  ): Promise<MessageOf<Ref> | undefined>;
  async last(
    stream: StreamRef,
    options: { type?: string | undefined } = {},
  ): Promise<RecordedMessage | undefined> {
    this.#assertOpen();
    const parsed = parseStream(stream);
    checkOptionKeys(options, LAST_OPTION_KEYS, "last");
    if (options.type !== undefined && (typeof options.type !== "string" || options.type === "")) {
      throw new InvalidOptionsError("last: type must be a non-empty string when given");
    }
    const found = await this.#backend.last(parsed, options.type);
    const upcast = upcasterFor(contractOf(stream));
    return found === undefined || upcast === undefined ? found : upcast(found);
  }

  /** The position of the stream's last message; `-1` when it has none. */
  async version(stream: StreamRef): Promise<number> {
    this.#assertOpen();
    return this.#backend.version(parseStream(stream));
  }

  /** Folds the stream into a state. `version` is the stream's last position, whatever the handlers. */
  fetch<Specs extends MessageSpecs, State>(
    stream: TypedStream<Specs>,
    options: FetchOptions<State, RecordedMessageOf<Specs>>,
  ): Promise<{ state: State; version: number }>;
  // Separate from the typed form so `State` is still inferred from untyped handlers' returns;
  // a reference with a contract must take the typed form, so a misspelt handler is an error.
  fetch<State>(
    stream: string | { readonly category: string; readonly id: string; readonly contract?: never },
    options: FetchOptions<State>,
  ): Promise<{ state: State; version: number }>;
  async fetch<State>(
    stream: StreamRef,
    options: FetchOptions<State>,
  ): Promise<{ state: State; version: number }> {
    this.#assertOpen();
    const parsed = parseStream(stream);
    checkOptionKeys(options, FETCH_OPTION_KEYS, "fetch");
    if (!("init" in options) || options.handlers === undefined) {
      throw new InvalidOptionsError(
        "fetch needs { init, handlers }: the first state, and a fold per message type",
      );
    }
    const handlers = checkHandlerMap(options.handlers, "fetch");
    const { init } = options;
    const scope = this.#options.instrumentation?.fetch({
      store: this.#instrumented,
      streamName: parsed.name,
      category: parsed.category,
    });
    let state = typeof init === "function" ? (init as () => State)() : init;
    let version = -1;
    let count = 0;
    try {
      const pages = upcastPages(
        this.#backend.readStreamPages(parsed, 0, Number.POSITIVE_INFINITY),
        upcasterFor(contractOf(stream)),
      );
      for await (const page of pages) {
        count += page.length;
        for (const message of page) {
          const handler = handlers[message.type];
          if (handler !== undefined) state = handler(state, message);
          version = message.position;
        }
      }
    } catch (error) {
      scope?.fail(error);
      throw error;
    }
    scope?.end({ version, messages: count });
    return { state, version };
  }

  /**
   * An entity store for one category: `fetch(id)`/`get(id)` through a per-process cache and
   * optional snapshots, and `handle(id, command, { decide })`. Make one per category at
   * startup and share it: its cache is its own. See `docs/entities.md`.
   */
  entities<Specs extends MessageSpecs, State>(
    options: ContractEntityOptions<State, Specs>,
  ): ContractEntityStore<State, Specs>;
  // Separate from the contract form, as `fetch`'s are: a category with a contract must take
  // the contract form, so a misspelt handler is an error rather than an untyped entity.
  entities<State, Event extends RecordedMessage = RecordedMessage>(
    options: EntityOptions<State, Event>,
  ): EntityStore<State, Event>;
  entities<State>(options: AnyEntityOptions<State>): EntityStore<State> {
    this.#assertOpen();
    // With a contract, the entity's reads are upcast and its writes checked, as any other
    // read or write of a contracted stream is.
    const contract = contractOf(options?.category);
    const ref = (stream: ParsedStream): ParsedStream | TypedStream =>
      contract === undefined ? stream : { ...stream, contract };
    const entities = new CachedEntityStore(
      {
        get: (stream, readOptions) => this.get(ref(stream), readOptions),
        last: (stream) => this.last(ref(stream)),
        write: (stream, messages, writeOptions) => this.write(ref(stream), messages, writeOptions),
        instrumentation: this.#entityInstrumentation,
      },
      this.#backend.snapshots,
      this.#options.logger,
      options,
    );
    this.#entityStores.add(entities.category, entities);
    return entities;
  }

  /**
   * Handles `command` for the entity of `stream` (a stream of `options.entity`'s category):
   * decides on its state, writes what `decide` returns with the version it decided on, and
   * on a conflict loads and decides again (`retries`, with backoff). A command whose id
   * already caused events of the stream is not decided again. See `docs/entities.md`.
   */
  async handle<
    State,
    const Command extends Message,
    Event extends RecordedMessage,
    // `Write`'s own `Type` keeps the literal types `decide` returns (`type: "Deposited"`)
    // from widening to `string` while `Write` is still being inferred.
    Type extends string,
    Write extends Message<Type>,
  >(
    stream: StreamRef,
    command: Command,
    options: StoreHandleOptions<State, Command, Event, Write>,
  ): Promise<HandleResult<State, Event>> {
    this.#assertOpen();
    const parsed = parseStream(stream);
    const { entity, ...handleOptions } = options;
    if (parsed.category !== entity?.category) {
      throw new InvalidOptionsError(
        `handle: ${parsed.name} is not in the entity store's category ${entity?.category}`,
      );
    }
    return entity.handle(parsed.id, command, handleOptions);
  }

  /** A durable subscription; call `start()`. See `SubscribeOptions`. */
  subscribe<Ref extends TargetRef>(
    target: Ref,
    options: SubscribeOptions<MessageOf<Ref>>,
  ): Subscription;
  subscribe(target: TargetRef, options: SubscribeOptions): Subscription {
    this.#assertOpen();
    const parsed = parseTarget(target);
    const instrumentation = this.#options.instrumentation;
    const { rest, hook } = splitConsumerOptions(options, contractOf(target), "subscribe");
    const subscription = createSubscription(
      this.#backend,
      parsed,
      { ...rest, handlers: withHandlerContext(rest.handlers, this.#replyWriter) },
      this.#options.logger,
      hook,
      instrumentation && { hook: instrumentation, store: this.#instrumented },
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * The pull form of `subscribe`: `for await (const { message, ack, nak } of store.consume(...))`,
   * with the same retry and dead-letter rules. Leaving the loop closes the consumer source.
   */
  consume<Ref extends TargetRef>(
    target: Ref,
    options: ConsumeOptions,
  ): AsyncIterable<ConsumedMessage<MessageOf<Ref>>>;
  consume(target: TargetRef, options: ConsumeOptions): AsyncIterable<ConsumedMessage> {
    this.#assertOpen();
    const parsed = parseTarget(target);
    const { rest, hook } = splitConsumerOptions(options, contractOf(target), "consume");
    const instrumentation = this.#options.instrumentation;
    return createConsumer(
      this.#backend,
      parsed,
      rest,
      this.#options.logger,
      hook,
      instrumentation && { hook: instrumentation, store: this.#instrumented },
    );
  }

  /** Every message of `target` from `fromGlobalPosition` (default: only new ones), live, until `signal` aborts. */
  tail<Ref extends TargetRef>(target: Ref, options?: TailOptions): AsyncGenerator<MessageOf<Ref>>;
  async *tail(target: TargetRef, options: TailOptions = {}): AsyncGenerator<RecordedMessage> {
    this.#assertOpen();
    const parsed = parseTarget(target);
    const start: TailStart =
      options.fromGlobalPosition === undefined
        ? { afterGlobalPosition: await this.#backend.lastGlobalPosition(parsed.category) }
        : {
            afterGlobalPosition:
              nonNegativeInteger(options.fromGlobalPosition, "fromGlobalPosition", 1) - 1,
          };
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    options.signal?.addEventListener("abort", stop, { once: true });
    const upcast = upcasterFor(contractOf(target));
    try {
      const messages = this.#backend.tail(parsed, start, controller.signal);
      if (upcast === undefined) yield* messages;
      else for await (const message of messages) yield upcast(message);
    } finally {
      options.signal?.removeEventListener("abort", stop);
      controller.abort();
    }
  }

  /**
   * Resolves with the first message of `target` that satisfies `predicate`. By default only
   * messages written after the call count; `fromPosition`/`fromGlobalPosition` consider
   * existing ones first. Throws `TimeoutError` after `timeoutMs`.
   */
  waitFor<Ref extends TargetRef, Found extends MessageOf<Ref>>(
    target: Ref,
    predicate: (message: MessageOf<Ref>) => message is Found,
    options?: WaitForOptions,
  ): Promise<Found>;
  waitFor<Ref extends TargetRef>(
    target: Ref,
    predicate: (message: MessageOf<Ref>) => boolean,
    options?: WaitForOptions,
  ): Promise<MessageOf<Ref>>;
  async waitFor(
    target: TargetRef,
    predicate: (message: RecordedMessage) => boolean,
    options: WaitForOptions = {},
  ): Promise<RecordedMessage> {
    // Taken first, before any await: "after the call" is measured from here.
    const calledAt = performance.timeOrigin + performance.now();
    this.#assertOpen();
    const parsed = parseTarget(target);
    checkOptionKeys(options, WAIT_OPTION_KEYS, "waitFor");
    if (typeof predicate !== "function")
      throw new InvalidOptionsError("waitFor needs a predicate function");
    const timeoutMs = nonNegativeInteger(options.timeoutMs, "timeoutMs", DEFAULT_WAIT_TIMEOUT_MS);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const upcast = upcasterFor(contractOf(target));
      const found = await this.#waitForMatch(
        parsed,
        upcast === undefined ? predicate : (message) => predicate(upcast(message)),
        options,
        calledAt,
        controller.signal,
      );
      if (found !== undefined) return upcast === undefined ? found : upcast(found);
      throw new TimeoutError(
        `waitFor ${parsed.name}: no matching message within ${timeoutMs} ms`,
        timeoutMs,
      );
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  async #waitForMatch(
    target: ReturnType<typeof parseTarget>,
    predicate: (message: RecordedMessage) => boolean,
    options: WaitForOptions,
    calledAt: number,
    signal: AbortSignal,
  ): Promise<RecordedMessage | undefined> {
    let start: TailStart = { sinceTimeMs: calledAt };
    let minPosition = 0;
    if (options.fromPosition !== undefined) {
      if (target.id === undefined)
        throw new InvalidOptionsError("fromPosition needs a stream, not a category");
      minPosition = nonNegativeInteger(options.fromPosition, "fromPosition", 0);
      const stream = parseStream({ category: target.category, id: target.id });
      let lastGlobal = 0;
      const pages = this.#backend.readStreamPages(stream, minPosition, Number.POSITIVE_INFINITY);
      for await (const page of pages) {
        for (const message of page) {
          if (predicate(message)) return message;
          lastGlobal = message.globalPosition;
        }
      }
      start = { afterGlobalPosition: lastGlobal };
    } else if (options.fromGlobalPosition !== undefined) {
      start = {
        afterGlobalPosition:
          nonNegativeInteger(options.fromGlobalPosition, "fromGlobalPosition", 1) - 1,
      };
    }
    for await (const message of this.#backend.tail(target, start, signal)) {
      // Position -1: a live feed does not know it (another writer's message on NATS), so
      // only a known position is held to `fromPosition`.
      const beforeStart = message.position >= 0 && message.position < minPosition;
      if (!beforeStart && predicate(message)) return message;
    }
    return undefined;
  }

  /**
   * How safe the stored data is: server version, sync setting, replicas against the cluster,
   * position guard, consumers' health (docs/reliability.md). Warnings mark data at risk.
   */
  async diagnose(): Promise<Diagnosis> {
    this.#assertOpen();
    if (this.#backend.diagnose !== undefined) return this.#backend.diagnose();
    return {
      backend: this.#backend.kind,
      findings: [
        {
          check: "backend",
          subject: this.#backend.kind,
          status: "warning",
          detail: "nothing is durable: the messages live in this process only",
        },
      ],
    };
  }

  /** Every category with its message count, bytes and first/last time. */
  async categories(): Promise<CategoryStats[]> {
    this.#assertOpen();
    return this.#backend.categories();
  }

  /**
   * Moves the durable consumer to `startAt` (creating it when missing) and forgets what it had
   * in flight: rebuild a projection by resetting its consumer to `"beginning"`. Stop every
   * subscription of the consumer first, in every process: on NATS the durable is deleted and
   * recreated, which would cut a running subscription's fetches.
   */
  async resetConsumer(target: TargetRef, consumer: string, startAt: StartAtOption): Promise<void> {
    this.#assertOpen();
    await admin.resetConsumer(this.#backend, target, consumer, startAt);
  }

  /** How far `consumer` of `target` has come; `undefined` when it does not exist. */
  async consumerInfo(target: TargetRef, consumer: string): Promise<ConsumerInfo | undefined> {
    this.#assertOpen();
    return admin.consumerInfo(this.#backend, target, consumer);
  }

  /** Every durable consumer, of one category or of all, by category and name. */
  async consumers(categoryName?: CategoryRef): Promise<ConsumerInfo[]> {
    this.#assertOpen();
    return admin.consumers(this.#backend, categoryName);
  }

  /** The dead letters in `deadLetterCategory`, oldest first, with why each died. */
  async deadLetters(
    deadLetterCategory: CategoryRef,
    options: DeadLettersOptions = {},
  ): Promise<DeadLetterRecord[]> {
    this.#assertOpen();
    return admin.deadLetters(this.#backend, deadLetterCategory, options);
  }

  /**
   * Hands dead letters back to the consumers that failed them, and removes them from the
   * dead-letter category. Nothing is appended to the entity's stream: each consumer receives
   * them through its own re-drive queue, which a subscription with `deadLetter` set to this
   * category reads beside its category. Returns the dead letters that were re-driven.
   */
  async redrive(
    deadLetterCategory: CategoryRef,
    options: RedriveOptions = {},
  ): Promise<DeadLetterRecord[]> {
    this.#assertOpen();
    return admin.redrive(this.#backend, deadLetterCategory, options);
  }

  /** Removes the dead letter at `deadLetterPosition`. `false` when there is none. */
  async discardDeadLetter(
    deadLetterCategory: CategoryRef,
    deadLetterPosition: number,
  ): Promise<boolean> {
    this.#assertOpen();
    return admin.discardDeadLetter(this.#backend, deadLetterCategory, deadLetterPosition);
  }

  /** Stops every subscription made by this store, then releases the backend. Idempotent. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#subscriptions].map((subscription) => subscription.stop()));
      this.#subscriptions.clear();
      this.#recentWrites.clear();
      this.#uncertainWrites.clear();
      await this.#entityStores.flush();
      await this.#backend.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `ctx.reply` writes through the store, untyped: the reply stream's contract is not known here. */
  readonly #replyWriter = (stream: string, message: Message): Promise<WriteResult> =>
    this.write(stream, message);

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ClosedError();
  }

  /** Checks, ids and encodes; `scope` adds the instrumentation's metadata and headers. */
  #prepare(messages: Message | readonly Message[], scope?: WriteScope): PreparedMessage[] {
    const list = messageList(messages);
    const seen = new Set<string>();
    return list.map((raw, index) => {
      const message = checkMessage(raw, Array.isArray(messages) ? index : undefined);
      const id = message.id ?? newMessageId();
      if (seen.has(id))
        throw new InvalidMessageError(
          `message [${index}] repeats id ${id} of an earlier message in the same write`,
        );
      seen.add(id);
      const metadata =
        scope?.metadata === undefined
          ? (message.metadata ?? {})
          : { ...message.metadata, ...scope.metadata };
      const data = message.data === undefined ? {} : message.data;
      const body = encodeBody(message.type, data, metadata, id);
      if (body.length > this.#backend.maxMessageSize) {
        throw new InvalidMessageError(
          `message [${index}] is ${body.length} bytes encoded, over maxMessageSize ${this.#backend.maxMessageSize}`,
        );
      }
      const headers = scope?.headers;
      return headers === undefined
        ? { id, type: message.type, data, metadata, body }
        : { id, type: message.type, data, metadata, body, headers };
    });
  }
}

/** Whether the first message of a write (already checked) came with its own id. */
function callerGaveFirstId(messages: Message | readonly Message[]): boolean {
  const first: Message | undefined = Array.isArray(messages) ? messages[0] : messages;
  return typeof first?.id === "string";
}

/**
 * A blind writer that keeps losing a race waits a little, at random and longer each time:
 * writers in other processes racing on one stream otherwise collide on every attempt, and a
 * refused attempt costs the server as much as a stored one. The first two attempts after a
 * refusal go at once: the backend knows the refused position is taken and tries the next
 * one, which only pays while that knowledge is fresh (a pause lets other writers move on).
 * After a longer pause the backend looks the end up before it publishes, so every attempt
 * races for real.
 */
function raceBackoff(conflicts: number): Promise<void> | undefined {
  if (conflicts < 2) return undefined;
  const ceilingMs = Math.min(RACE_BACKOFF_MAX_MS, RACE_BACKOFF_BASE_MS * 2 ** (conflicts / 2));
  return sleep(Math.random() * ceilingMs);
}
