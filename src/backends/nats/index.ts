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
import { writeNatsDeadLetter } from "./dead-letter.ts";
import { discardNatsDeadLetter, natsDeadLetters } from "./dead-letter-workflow.ts";
import { decodeStored } from "./decode.ts";
import { diagnoseNats } from "./diagnose.ts";
import type { NatsInternals } from "./internals.ts";
import { mergeSources } from "./merged-source.ts";
import { categoryHead, readCategory } from "./read-category.ts";
import { entityEnd, lastMessage, readStreamPages } from "./read-stream.ts";
import { redriveNats } from "./redrive.ts";
import { redriveFeed } from "./redrive-feed.ts";
import { Requester } from "./requester.ts";
import { CategoryStorage } from "./storage.ts";
import { createSubjectLayout } from "./subjects.ts";
import { tailNats } from "./tail.ts";
import { EntityWriter } from "./write.ts";

// `checkAPI: false`: the server was checked at connect; this resolves without a round trip.
async function createInternals(
  connection: NatsConnection,
  options: ResolvedOptions,
): Promise<NatsInternals> {
  const subjects = createSubjectLayout(options.prefix);
  const jetstreamOptions = { timeout: options.timeoutMs };
  const manager = await jetstreamManager(connection, { ...jetstreamOptions, checkAPI: false });
  const catalog = new CategoryStorage(manager, subjects, options);
  return {
    connection,
    jetstream: jetstream(connection, jetstreamOptions),
    manager,
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
  readonly #parts: NatsInternals;
  readonly #writer: EntityWriter;
  /** Only a connection we opened is ours to close. */
  readonly #ownsConnection: boolean;
  readonly #connection: NatsConnection;
  readonly #options: ResolvedOptions;
  #closing: Promise<void> | undefined;

  constructor(parts: NatsInternals, maxMessageSize: number, ownsConnection: boolean) {
    this.#connection = parts.connection;
    this.#options = parts.options;
    this.#parts = parts;
    this.#writer = new EntityWriter(parts);
    this.maxMessageSize = maxMessageSize;
    this.#ownsConnection = ownsConnection;
  }

  async ensureCategory(category: string, settings: CategorySettings): Promise<void> {
    await this.#parts.catalog.ensure(category, settings);
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
    yield* readStreamPages(this.#parts, stream, fromPosition, maxCount);
  }

  async *readCategory(
    category: string,
    fromGlobalPosition: number,
    maxCount: number,
  ): AsyncGenerator<RecordedMessage> {
    yield* readCategory(this.#parts, category, fromGlobalPosition, maxCount);
  }

  async version(stream: ParsedStream): Promise<number> {
    return (await entityEnd(this.#parts, stream)).version;
  }

  async last(stream: ParsedStream, type: string | undefined): Promise<RecordedMessage | undefined> {
    return lastMessage(this.#parts, stream, type);
  }

  async head(category: string): Promise<number> {
    return categoryHead(this.#parts, category);
  }

  async *tail(
    target: ParsedTarget,
    start: TailStart,
    signal: AbortSignal,
  ): AsyncGenerator<RecordedMessage> {
    yield* tailNats(this.#parts, target, start, signal);
  }

  consume(spec: ConsumerSpec): ConsumerSource {
    const parts = this.#parts;
    const source = openNatsConsumer(parts, spec);
    if (spec.deadLetter === undefined) return source;
    return mergeSources(source, redriveFeed(parts, spec, spec.deadLetter));
  }

  async resetConsumer(target: ParsedTarget, consumer: string, startAt: StartAt): Promise<void> {
    await resetNatsConsumer(this.#parts, target, consumer, startAt);
  }

  async consumerInfo(target: ParsedTarget, consumer: string): Promise<ConsumerInfo | undefined> {
    return natsConsumerInfo(this.#parts, target, consumer);
  }

  async consumers(category: string | undefined): Promise<ConsumerInfo[]> {
    return natsConsumers(this.#parts, category);
  }

  async *deadLetters(category: string): AsyncGenerator<DeadLetterRecord> {
    yield* natsDeadLetters(this.#parts, category);
  }

  async discardDeadLetter(category: string, deadLetterPosition: number): Promise<boolean> {
    return discardNatsDeadLetter(this.#parts, category, deadLetterPosition);
  }

  async redrive(category: string, deadLetterPositions: readonly number[]): Promise<number> {
    return redriveNats(this.#parts, category, deadLetterPositions);
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await writeNatsDeadLetter(this.#parts, letter);
  }

  async diagnose(): Promise<Diagnosis> {
    return diagnoseNats(this.#parts);
  }

  async categories(): Promise<CategoryStats[]> {
    const parts = this.#parts;
    return listCategories(parts.manager, parts.subjects);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#writer.clear();
      this.#parts.watch.stop();
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
