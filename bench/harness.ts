/**
 * Runs one workload: opens (and seeds) every variant under its own prefix, warms each up, then
 * repeats them in rotating order so that neither system always runs first or last.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Environment, Measurement, Metric, Runner, Workload } from "./workloads/types.ts";

export interface VariantResult {
  readonly name: string;
  readonly system: "raw" | "store";
  readonly reference: boolean;
  readonly prefix: string;
  /** The measured repetitions, warm-ups left out. */
  readonly measurements: readonly Measurement[];
}

export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly metric: Metric;
  readonly variants: readonly VariantResult[];
}

/** A prefix of letters and digits only, unique per workload and variant. */
export function prefixOf(workloadId: string, variantName: string): string {
  return `b${workloadId}${variantName}`.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Yields `items` rotated left by `by`. */
function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export async function runWorkload(
  workload: Workload,
  environment: Environment,
  manager: JetStreamManager,
  log: (line: string) => void,
): Promise<WorkloadResult> {
  const { warmups, repetitions } = environment.settings;
  const opened: { name: string; runner: Runner }[] = [];
  const measured = new Map<string, Measurement[]>();
  try {
    for (const variant of workload.variants) {
      const started = performance.now();
      const runner = await variant.open(environment, prefixOf(workload.id, variant.name));
      opened.push({ name: variant.name, runner });
      measured.set(variant.name, []);
      log(
        `  ${workload.id} ${variant.name}: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    for (let repetition = 0; repetition < warmups + repetitions; repetition++) {
      for (const { name, runner } of rotated(opened, repetition)) {
        const cpuBefore = process.cpuUsage();
        const run = await runner.run(repetition);
        const cpu = process.cpuUsage(cpuBefore);
        const measurement = { ...run, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
        const kind = repetition < warmups ? "warm-up" : `rep ${repetition - warmups + 1}`;
        log(`  ${workload.id} ${name} ${kind}: ${describe(measurement)}`);
        if (repetition >= warmups) measured.get(name)?.push(measurement);
      }
    }
  } finally {
    for (const { runner } of opened) await runner.close();
    await dropStreams(manager, workload);
  }
  return {
    id: workload.id,
    title: workload.title,
    metric: workload.metric,
    variants: workload.variants.map((variant) => ({
      name: variant.name,
      system: variant.system,
      reference: variant.reference,
      prefix: prefixOf(workload.id, variant.name),
      measurements: measured.get(variant.name) ?? [],
    })),
  };
}

function describe(measurement: Measurement): string {
  const rate = Math.round(measurement.operations / measurement.seconds);
  let text = `${measurement.operations} ops in ${measurement.seconds.toFixed(2)} s (${rate}/s)`;
  if (measurement.cpuSeconds !== undefined) {
    text += `, client CPU ${((measurement.cpuSeconds * 1e6) / measurement.operations).toFixed(1)} µs/op`;
  }
  if (measurement.p50Ms !== undefined) {
    text += `, p50 ${measurement.p50Ms.toFixed(3)} ms, p99 ${(measurement.p99Ms ?? Number.NaN).toFixed(3)} ms`;
  }
  if (measurement.rssGrowthBytes !== undefined) {
    text += `, RSS +${(measurement.rssGrowthBytes / 1048576).toFixed(1)} MB`;
  }
  return text;
}

/** Frees the server of this workload's data, so that later workloads run on a lean server. */
async function dropStreams(manager: JetStreamManager, workload: Workload): Promise<void> {
  const prefixes = workload.variants.map((variant) => `${prefixOf(workload.id, variant.name)}-`);
  for await (const info of manager.streams.list()) {
    if (prefixes.some((prefix) => info.config.name.startsWith(prefix))) {
      await manager.streams.delete(info.config.name);
    }
  }
}
