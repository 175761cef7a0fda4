/**
 * The NATS JetStream backend: one JetStream stream per category, one subject per stream
 * position (DESIGN §3). This file wires the parts together; each part lives in its own file.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type {
  Backend,
  CategorySettings,
  CategoryStats,
  ConsumerInfo,
  ConsumerSource,
  ConsumerSpec,
  DeadLetter,
  DeadLetterRecord,
  StartAt,
  TailStart,
  WriteResult,
} from "../../backend.ts";
import type { ConnectionSecurity } from "../../connection-security.ts";
import type { Diagnosis } from "../../diagnosis.ts";
import type { ExpectedVersion } from "../../expected-version.ts";
import type { PreparedMessage, RecordedMessage } from "../../message.ts";
import type { ResolvedOptions } from "../../options.ts";
import type { ParsedStream, ParsedTarget } from "../../stream-name.ts";
import { listCategories } from "./categories.ts";
import { ConnectionWatch, checkServer, openConnection } from "./connection.ts";
import { openNatsConsumer } from "./consumer.ts";
import { natsConsumerInfo, natsConsumers, resetNatsConsumer } from "./consumer-admin.ts";
import { CHECK_TIMEOUT_MS, type NatsContext } from "./context.ts";
import { writeNatsDeadLetter } from "./dead-letter.ts";
import { discardNatsDeadLetter, natsDeadLetters } from "./dead-letter-workflow.ts";
import { decodeStored } from "./decode.ts";
import { diagnoseNats } from "./diagnose.ts";
import { translateNatsError } from "./jetstream-errors.ts";
import { mergeSources } from "./merged-source.ts";
import { lastGlobalPosition, readCategory } from "./read-category.ts";
import { entityEnd, lastMessage, readStreamPages } from "./read-stream.ts";
import { redriveNats } from "./redrive.ts";
import { redriveFeed } from "./redrive-feed.ts";
import { Requester } from "./requester.ts";
import { NatsSnapshots } from "./snapshots.ts";
import { CategoryStorage } from "./storage.ts";
import { createSubjectLayout } from "./subjects.ts";
import { tailNats } from "./tail.ts";
import { EntityWriter } from "./write.ts";

// `checkAPI: false`: the server was checked at connect; this resolves without a round trip.
async function createInternals(
  connection: NatsConnection,
  options: ResolvedOptions,
): Promise<NatsContext> {
  const subjects = createSubjectLayout(options.prefix);
  const jetstreamOptions = { timeout: options.timeoutMs };
  const manager = await jetstreamManager(connection, { ...jetstreamOptions, checkAPI: false });
  const checks = await jetstreamManager(connection, {
    timeout: Math.min(options.timeoutMs, CHECK_TIMEOUT_MS),
    checkAPI: false,
  });
  const catalog = new CategoryStorage(manager, checks, subjects, options);
  return {
    connection,
    jetstream: jetstream(connection, jetstreamOptions),
    manager,
    checks,
    options,
    subjects,
    catalog,
    watch: new ConnectionWatch(connection),
    requester: new Requester(connection),
    async storageFor(category, create) {
      const found = create ? await catalog.require(category) : await catalog.lookup(category);
      return found?.name;
    },
    async ensureStorage(category, settings) {
      return (await catalog.provide(category, settings)).name;
    },
    // Every decoding path looked the category's stream up first, so its layout is known.
    decode: (category, stored) =>
      decodeStored(subjects, category, stored, catalog.knownLayout(category) ?? "position"),
  };
}

/** Drains (letting replies in flight arrive), but never waits longer than `timeoutMs` for it. */
async function drainOrClose(connection: NatsConnection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([connection.drain().catch(() => undefined), gaveUp]);
  clearTimeout(timer);
  if (!connection.isClosed()) await connection.close().catch(() => undefined);
}

class NatsBackend implements Backend {
  readonly kind = "nats";
  readonly maxMessageSize: number;
  readonly #nats: NatsContext;
  readonly #writer: EntityWriter;
  /** Only a connection we opened is ours to close. */
  readonly #ownsConnection: boolean;
  readonly #connection: NatsConnection;
  readonly #options: ResolvedOptions;
  readonly snapshots: NatsSnapshots;
  #closing: Promise<void> | undefined;

  constructor(nats: NatsContext, maxMessageSize: number, ownsConnection: boolean) {
    this.#connection = nats.connection;
    this.#options = nats.options;
    this.#nats = nats;
    this.#writer = new EntityWriter(nats);
    this.maxMessageSize = maxMessageSize;
    this.#ownsConnection = ownsConnection;
    this.snapshots = new NatsSnapshots(nats.jetstream, nats.options.prefix, nats.options.replicas);
  }

  async ensureCategory(category: string, settings: CategorySettings): Promise<void> {
    await this.#translated(
      `ensureCategory ${category}`,
      this.#nats.catalog.ensure(category, settings),
    );
  }

  storageName(category: string): string | undefined {
    return this.#nats.catalog.knownName(category);
  }

  async append(
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult> {
    return this.#writer.append(stream, messages, expected);
  }

  async *readStreamPages(
    stream: ParsedStream,
    fromPosition: number,
    maxCount: number,
  ): AsyncGenerator<RecordedMessage[]> {
    try {
      yield* readStreamPages(this.#nats, stream, fromPosition, maxCount);
    } catch (error) {
      throw this.#translate(error, `read ${stream.name}`);
    }
  }

  async *readCategory(
    category: string,
    fromGlobalPosition: number,
    maxCount: number,
  ): AsyncGenerator<RecordedMessage> {
    try {
      yield* readCategory(this.#nats, category, fromGlobalPosition, maxCount);
    } catch (error) {
      throw this.#translate(error, `read category ${category}`);
    }
  }

  async version(stream: ParsedStream): Promise<number> {
    return (await this.#translated(`version of ${stream.name}`, entityEnd(this.#nats, stream)))
      .version;
  }

  async last(stream: ParsedStream, type: string | undefined): Promise<RecordedMessage | undefined> {
    return this.#translated(`last of ${stream.name}`, lastMessage(this.#nats, stream, type));
  }

  async lastGlobalPosition(category: string): Promise<number> {
    return this.#translated(
      `last global position of ${category}`,
      lastGlobalPosition(this.#nats, category),
    );
  }

  async *tail(
    target: ParsedTarget,
    start: TailStart,
    signal: AbortSignal,
  ): AsyncGenerator<RecordedMessage> {
    try {
      yield* tailNats(this.#nats, target, start, signal);
    } catch (error) {
      throw this.#translate(error, `follow ${target.name}`);
    }
  }

  consume(spec: ConsumerSpec): ConsumerSource {
    const nats = this.#nats;
    const source = openNatsConsumer(nats, spec);
    if (spec.deadLetter === undefined) return source;
    return mergeSources(source, redriveFeed(nats, spec, spec.deadLetter));
  }

  async resetConsumer(target: ParsedTarget, consumer: string, startAt: StartAt): Promise<void> {
    await this.#translated(
      `reset consumer ${consumer} of ${target.name}`,
      resetNatsConsumer(this.#nats, target, consumer, startAt),
    );
  }

  async consumerInfo(target: ParsedTarget, consumer: string): Promise<ConsumerInfo | undefined> {
    return this.#translated(
      `consumer ${consumer} of ${target.name}`,
      natsConsumerInfo(this.#nats, target, consumer),
    );
  }

  async consumers(category: string | undefined): Promise<ConsumerInfo[]> {
    return this.#translated("list consumers", natsConsumers(this.#nats, category));
  }

  async *deadLetters(category: string): AsyncGenerator<DeadLetterRecord> {
    try {
      yield* natsDeadLetters(this.#nats, category);
    } catch (error) {
      throw this.#translate(error, `read dead letters of ${category}`);
    }
  }

  async discardDeadLetter(category: string, deadLetterPosition: number): Promise<boolean> {
    return this.#translated(
      `discard dead letter ${deadLetterPosition} of ${category}`,
      discardNatsDeadLetter(this.#nats, category, deadLetterPosition),
    );
  }

  async redrive(category: string, deadLetterPositions: readonly number[]): Promise<number> {
    return this.#translated(
      `redrive dead letters of ${category}`,
      redriveNats(this.#nats, category, deadLetterPositions),
    );
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.#translated("write a dead letter", writeNatsDeadLetter(this.#nats, letter));
  }

  async diagnose(): Promise<Diagnosis> {
    return this.#translated("diagnose", diagnoseNats(this.#nats));
  }

  async categories(): Promise<CategoryStats[]> {
    const nats = this.#nats;
    return this.#translated("list categories", listCategories(nats.manager, nats.subjects));
  }

  /**
   * `work`'s result, or its failure as the store's error: calls that reach nats.js have no
   * translation of their own but this one (writes have theirs, in write.ts).
   */
  async #translated<T>(what: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw this.#translate(error, what);
    }
  }

  #translate(error: unknown, what: string): unknown {
    return translateNatsError(error, what, this.#options.timeoutMs);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#writer.clear();
      this.#nats.watch.stop();
      if (this.#ownsConnection && !this.#connection.isClosed()) {
        await drainOrClose(this.#connection, this.#options.timeoutMs);
      }
    })();
    return this.#closing;
  }
}

/** Connects to `servers` (DESIGN §2a): waits for the first connection up to `timeoutMs`, checks the server. */
export async function connectNatsBackend(
  servers: string[],
  options: ResolvedOptions,
  security?: ConnectionSecurity,
): Promise<Backend> {
  const connection = await openConnection(servers, options.timeoutMs, security);
  let maxMessageSize: number;
  try {
    maxMessageSize = checkServer(connection, options);
  } catch (error) {
    await connection.close();
    throw error;
  }
  try {
    return new NatsBackend(await createInternals(connection, options), maxMessageSize, true);
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/**
 * A backend over the caller's connection, which `close()` leaves open. Asynchronous so the
 * backend is whole once it exists: nats.js makes its JetStream manager asynchronously.
 */
export async function natsBackendFromConnection(
  connection: NatsConnection,
  options: ResolvedOptions,
): Promise<Backend> {
  const maxMessageSize = checkServer(connection, options);
  return new NatsBackend(await createInternals(connection, options), maxMessageSize, false);
}
