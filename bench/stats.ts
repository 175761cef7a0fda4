/** Order statistics over repetition results and per-operation latencies. */

/** The value below which `fraction` of the samples lie (nearest rank). `NaN` when empty. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** Median with the range, over the repetitions of one measurement. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples };
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, samples };
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export function nowMs(): number {
  return performance.now();
}

/** A throughput measurement of `operations` done since `startedMs`. */
export function throughputSince(
  operations: number,
  startedMs: number,
): { operations: number; seconds: number } {
  return { operations, seconds: (nowMs() - startedMs) / 1000 };
}

/** A latency measurement: count, total time, and per-operation p50/p99. */
export function latencies(
  samplesMs: readonly number[],
  totalMs: number,
): { operations: number; seconds: number; p50Ms: number; p99Ms: number } {
  return {
    operations: samplesMs.length,
    seconds: totalMs / 1000,
    p50Ms: percentile(samplesMs, 0.5),
    p99Ms: percentile(samplesMs, 0.99),
  };
}
