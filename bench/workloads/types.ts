/** What every workload module exports, and what the harness gives it. */
import type { Settings } from "../settings.ts";

export interface Environment {
  /** The benchmark's own nats-server. */
  readonly url: string;
  readonly settings: Settings;
}

/** One repetition's result. Which fields are set depends on the workload. */
export interface Measurement {
  readonly operations: number;
  readonly seconds: number;
  /** Per-operation latency percentiles, milliseconds. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /**
   * This process's CPU time (user + system) during the run, set by the harness. Unlike wall
   * time it hardly depends on what else the machine runs, so µs per operation compares the
   * client-side cost of the two systems even on a busy machine.
   */
  readonly cpuSeconds?: number;
  /** Peak resident set size minus the one at the start (W8), bytes. */
  readonly rssGrowthBytes?: number;
}

/** An opened variant: seeded and connected, ready to repeat its timed part. */
export interface Runner {
  run(repetition: number): Promise<Measurement>;
  close(): Promise<void>;
}

export interface Variant {
  /** Unique within the workload, e.g. `raw`, `raw-shared`, `store`. */
  readonly name: string;
  readonly system: "raw" | "store";
  /** Reference variants are reported but take no part in a ratio. */
  readonly reference: boolean;
  /** `prefix` is this system's and workload's own. Seeding happens here, outside the timing. */
  open(environment: Environment, prefix: string): Promise<Runner>;
}

export type Metric = "throughput" | "latency" | "rss";

export interface Workload {
  readonly id: string;
  readonly title: string;
  /** Throughput: operations/s, higher is better; latency: p50 ms, lower is better. */
  readonly metric: Metric;
  readonly variants: readonly Variant[];
}
