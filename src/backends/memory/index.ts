/**
 * The embedded memory backend: the reference implementation of `src/backend.ts` and the oracle
 * the NATS backend is compared against. Each category is an append-only log in this process;
 * nothing survives the backend. Writes run without an await between checking and storing, so
 * every write is atomic and writes apply in call order.
 */
import { setMaxListeners } from "node:events";
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
import { ClosedError, StreamFullError } from "../../errors.ts";
import { assertExpectedVersion, type ExpectedVersion } from "../../expected-version.ts";
import type { PreparedMessage, RecordedMessage } from "../../message.ts";
import { MEMORY_MAX_MESSAGE_SIZE, type ResolvedOptions } from "../../options.ts";
import type { ParsedStream, ParsedTarget } from "../../stream-name.ts";
import type { Categories } from "./category.ts";
import { DurableConsumer } from "./consumer.ts";
import { storeDeadLetter } from "./dead-letter.ts";
import {
  discardMemoryDeadLetter,
  memoryDeadLetterRecords,
  redriveMemoryDeadLetters,
} from "./dead-letter-workflow.ts";
import { preciseNowMs } from "./log.ts";
import { categoryStats, lastOf, readCategory, readStreamPages } from "./reads.ts";
import type { RedriveQueues } from "./redrive.ts";
import { MemoryData } from "./shared-data.ts";
import { MemorySnapshots, snapshotSlotsOf } from "./snapshots.ts";
import { tailCategory } from "./tail.ts";

class MemoryBackend implements Backend {
  readonly kind = "memory";
  readonly maxMessageSize: number;
  readonly #options: ResolvedOptions;
  readonly #categories: Categories;
  readonly #consumers: Map<string, DurableConsumer>;
  readonly #redrives: RedriveQueues;
  readonly #data: MemoryData;
  /** Aborted by `close()`: ends every tail. */
  readonly #closed = new AbortController();
  readonly snapshots: MemorySnapshots;

  constructor(options: ResolvedOptions, data: MemoryData) {
    this.#options = options;
    this.maxMessageSize = options.maxMessageSize ?? MEMORY_MAX_MESSAGE_SIZE;
    this.#data = data;
    this.#categories = data.categories;
    this.#consumers = data.consumers;
    this.#redrives = data.redrives;
    this.snapshots = new MemorySnapshots(snapshotSlotsOf(data), () => this.#assertOpen());
    // Every live tail listens here; many concurrent `waitFor`s are normal, not a leak.
    setMaxListeners(0, this.#closed.signal);
  }

  async ensureCategory(category: string, settings: CategorySettings): Promise<void> {
    this.#assertOpen();
    this.#categories.ensure(category, settings);
  }

  async append(
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult> {
    this.#assertOpen();
    const log = this.#categories.forWrite(stream.category, this.#options);
    if (expected !== "any") assertExpectedVersion(stream.name, expected, log.version(stream.name));
    let bytes = 0;
    for (const message of messages) bytes += message.body.length;
    if (log.wouldOverflow(bytes)) {
      throw new StreamFullError(
        stream.category,
        `category ${stream.category} is full: ${bytes} more bytes would pass maxBytes ${log.settings.maxBytes} (${log.bytes} stored)`,
      );
    }
    const result = log.appendToStream(stream, messages, preciseNowMs());
    this.#categories.notify(stream.category);
    return result;
  }

  readStreamPages(
    stream: ParsedStream,
    fromPosition: number,
    maxCount: number,
  ): AsyncIterable<RecordedMessage[]> {
    return readStreamPages(this.#categories, stream, fromPosition, maxCount, this.#options.logger);
  }

  readCategory(
    category: string,
    fromGlobalPosition: number,
    maxCount: number,
  ): AsyncIterable<RecordedMessage> {
    return readCategory(
      this.#categories,
      category,
      fromGlobalPosition,
      maxCount,
      this.#options.logger,
    );
  }

  async version(stream: ParsedStream): Promise<number> {
    return this.#categories.get(stream.category)?.version(stream.name) ?? -1;
  }

  async last(stream: ParsedStream, type: string | undefined): Promise<RecordedMessage | undefined> {
    return lastOf(this.#categories, stream, type, this.#options.logger);
  }

  async lastGlobalPosition(category: string): Promise<number> {
    return this.#categories.get(category)?.length ?? 0;
  }

  tail(
    target: ParsedTarget,
    start: TailStart,
    signal: AbortSignal,
  ): AsyncIterable<RecordedMessage> {
    return tailCategory(
      this.#categories,
      target,
      start,
      [signal, this.#closed.signal],
      this.#options.logger,
    );
  }

  /** After `close()` the source is already ended. */
  consume(spec: ConsumerSpec): ConsumerSource {
    return this.#durable(spec.target, spec.consumer, spec.startAt, spec.deadLetter).join(
      spec.batchSize,
      spec.ackWaitMs,
    );
  }

  /**
   * The durable consumer of `target` named `consumer`, made at `startAt` when missing. Its
   * dead-letter category is fixed by whoever makes it; later members share it.
   */
  #durable(
    target: ParsedTarget,
    consumer: string,
    startAt: StartAt | undefined,
    deadLetter: string | undefined,
  ): DurableConsumer {
    const key = `${target.name}\u0000${consumer}`;
    let durable = this.#consumers.get(key);
    if (durable === undefined) {
      durable = new DurableConsumer(this.#categories, target, {
        consumer,
        startAt,
        redrive: deadLetter === undefined ? undefined : { queues: this.#redrives, deadLetter },
      });
      if (this.#closed.signal.aborted) durable.close();
      else this.#consumers.set(key, durable);
    }
    return durable;
  }

  async resetConsumer(target: ParsedTarget, consumer: string, startAt: StartAt): Promise<void> {
    this.#assertOpen();
    const existing = this.#consumers.get(`${target.name}\u0000${consumer}`);
    if (existing === undefined) this.#durable(target, consumer, startAt, undefined);
    else existing.reset(startAt);
  }

  async consumerInfo(target: ParsedTarget, consumer: string): Promise<ConsumerInfo | undefined> {
    return this.#consumers.get(`${target.name}\u0000${consumer}`)?.info();
  }

  async consumers(category: string | undefined): Promise<ConsumerInfo[]> {
    const infos = [...this.#consumers.values()].map((durable) => durable.info());
    return infos.filter((info) => category === undefined || info.category === category);
  }

  deadLetters(category: string): AsyncIterable<DeadLetterRecord> {
    return memoryDeadLetterRecords(this.#categories, category);
  }

  async discardDeadLetter(category: string, deadLetterPosition: number): Promise<boolean> {
    this.#assertOpen();
    return discardMemoryDeadLetter(this.#categories, category, deadLetterPosition);
  }

  async redrive(category: string, deadLetterPositions: readonly number[]): Promise<number> {
    this.#assertOpen();
    return redriveMemoryDeadLetters(
      this.#categories,
      this.#redrives,
      category,
      deadLetterPositions,
    );
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    this.#assertOpen();
    storeDeadLetter(this.#categories, letter, this.#options);
  }

  async categories(): Promise<CategoryStats[]> {
    return categoryStats(this.#categories);
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    // Durable consumers outlive one store while others on the same data are open, as
    // durables outlive a process on NATS.
    if (!this.#data.release()) return;
    for (const consumer of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
  }

  #assertOpen(): void {
    if (this.#closed.signal.aborted) throw new ClosedError("the memory backend is closed");
  }
}

/**
 * An in-process store backend: isolated without a `name`; with one, sharing its data with
 * every other open backend of that name in this process.
 */
export function createMemoryBackend(options: ResolvedOptions, name?: string): Backend {
  const data = name === undefined ? MemoryData.isolated() : MemoryData.named(name);
  return new MemoryBackend(options, data);
}
