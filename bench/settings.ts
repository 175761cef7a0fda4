/** Sizes of the full and the quick run. The quick run has the same workloads, only smaller. */

export interface Settings {
  readonly mode: "full" | "quick";
  /** Untimed runs of each variant before the measured ones. */
  readonly warmups: number;
  readonly repetitions: number;
  /** The seeded category: entities × messages each, interleaved as in production. */
  readonly entities: number;
  readonly messagesPerEntity: number;
  /** W1: sequential checked appends per repetition. */
  readonly sequentialWrites: number;
  /** W2: appends per repetition, with this many in flight, over this many streams. */
  readonly concurrentWrites: number;
  readonly inFlight: number;
  readonly concurrentStreams: number;
  /** W3 and W7: entity reads per repetition. */
  readonly reads: number;
  /** W5: one-at-a-time writes per repetition. */
  readonly liveWrites: number;
  /** W6: sequential writes on the memory backend per repetition. */
  readonly memoryWrites: number;
  /** W9: messages handled per repetition by a subscription whose handler awaits 1 ms. */
  readonly concurrencyMessages: number;
  /** W7: category sizes, in messages (100 per entity). */
  readonly categorySizes: readonly number[];
  /** Seeding: messages between two acknowledged publishes. */
  readonly seedWindow: number;
}

export const FULL: Settings = {
  mode: "full",
  warmups: 1,
  repetitions: 3,
  entities: 1000,
  messagesPerEntity: 100,
  sequentialWrites: 5000,
  concurrentWrites: 20_000,
  inFlight: 64,
  concurrentStreams: 1024,
  reads: 500,
  liveWrites: 1000,
  memoryWrites: 200_000,
  concurrencyMessages: 3000,
  categorySizes: [10_000, 100_000, 1_000_000],
  seedWindow: 2000,
};

export const QUICK: Settings = {
  mode: "quick",
  warmups: 1,
  repetitions: 3,
  entities: 50,
  messagesPerEntity: 100,
  sequentialWrites: 300,
  concurrentWrites: 2000,
  inFlight: 64,
  concurrentStreams: 1024,
  reads: 100,
  liveWrites: 100,
  memoryWrites: 5000,
  concurrencyMessages: 400,
  categorySizes: [1000, 5000, 10_000],
  seedWindow: 2000,
};

/** `10k`, `1M`: how a category size appears in workload ids. */
export function sizeLabel(messages: number): string {
  if (messages >= 1_000_000 && messages % 1_000_000 === 0) return `${messages / 1_000_000}M`;
  if (messages >= 1000 && messages % 1000 === 0) return `${messages / 1000}k`;
  return `${messages}`;
}
