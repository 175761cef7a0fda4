/**
 * Turns workload results into the summary (medians with min–max), the store/raw ratios and
 * the targets, then writes `results/latest.json`, `results/latest.md` and a console table.
 */
import { mkdir, writeFile } from "node:fs/promises";
import type { VariantResult, WorkloadResult } from "./harness.ts";
import { type Summary, summarize } from "./stats.ts";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly natsServer: string;
  readonly natsJs: string;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** `undefined`: not measured in this run (for instance at quick sizes). */
  readonly met: boolean | undefined;
}

const MB = 1024 * 1024;

/** The headline number of one variant: ops/s, p50 ms, or RSS growth in MB. */
export function headline(workload: WorkloadResult, variant: VariantResult): Summary {
  const values = variant.measurements.map((measurement) => {
    if (workload.metric === "latency") return measurement.p50Ms ?? Number.NaN;
    if (workload.metric === "rss") return (measurement.rssGrowthBytes ?? Number.NaN) / MB;
    return measurement.operations / measurement.seconds;
  });
  return summarize(values);
}

/** Client CPU per operation, µs: what this process spent, whatever else the machine ran. */
function cpuPerOperationOf(variant: VariantResult): Summary {
  return summarize(
    variant.measurements.map((measurement) =>
      measurement.cpuSeconds === undefined
        ? Number.NaN
        : (measurement.cpuSeconds * 1e6) / measurement.operations,
    ),
  );
}

function p99Of(variant: VariantResult): Summary {
  return summarize(variant.measurements.map((measurement) => measurement.p99Ms ?? Number.NaN));
}

/** store median / raw median, over the non-reference variants. */
export function ratioOf(workload: WorkloadResult): number | undefined {
  if (workload.metric === "rss") return undefined;
  const raw = workload.variants.find((variant) => variant.system === "raw" && !variant.reference);
  const store = workload.variants.find(
    (variant) => variant.system === "store" && !variant.reference,
  );
  if (raw === undefined || store === undefined) return undefined;
  return headline(workload, store).median / headline(workload, raw).median;
}

/** The category size in a W7 id: `W7-10k` is 10,000. */
function messagesOf(scaleId: string): number {
  const label = scaleId.slice("W7-".length);
  const scale = label.endsWith("M") ? 1_000_000 : label.endsWith("k") ? 1000 : 1;
  return Number.parseFloat(label) * scale;
}

/**
 * Adds the rows read off other runs: W7 at W3's own category size is W3 (without its reference
 * variant), and W8 is the RSS growth sampled during W4.
 */
export function withDerivedWorkloads(
  results: readonly WorkloadResult[],
  readSizeLabel: string,
): WorkloadResult[] {
  const derived = [...results];
  const read = results.find((result) => result.id === "W3");
  const scaleId = `W7-${readSizeLabel}`;
  if (read !== undefined && !results.some((result) => result.id === scaleId)) {
    const at = derived.findIndex(
      (result) => result.id.startsWith("W7-") && messagesOf(result.id) > messagesOf(scaleId),
    );
    const scaled: WorkloadResult = {
      ...read,
      id: scaleId,
      title: `${read.title} (the W3 run)`,
      variants: read.variants.filter((variant) => !variant.reference),
    };
    derived.splice(at < 0 ? derived.length : at, 0, scaled);
  }
  const consume = results.find((result) => result.id === "W4");
  if (consume !== undefined) {
    derived.push({
      id: "W8",
      title: "process RSS growth during W4 (peak − start)",
      metric: "rss",
      variants: consume.variants,
    });
  }
  return derived;
}

function find(results: readonly WorkloadResult[], id: string): WorkloadResult | undefined {
  return results.find((result) => result.id === id);
}

function storeHeadline(results: readonly WorkloadResult[], id: string): Summary | undefined {
  const workload = find(results, id);
  const store = workload?.variants.find((variant) => variant.system === "store");
  return workload === undefined || store === undefined ? undefined : headline(workload, store);
}

function ratioTarget(
  results: readonly WorkloadResult[],
  id: string,
  label: string,
  bound: number,
  atLeast: boolean,
): TargetCheck {
  const workload = find(results, id);
  const ratio = workload === undefined ? undefined : ratioOf(workload);
  const target = `${id} ${label} store/raw ${atLeast ? ">=" : "<="} ${bound}×`;
  if (ratio === undefined || Number.isNaN(ratio))
    return { target, measured: "not run", met: undefined };
  return {
    target,
    measured: `${ratio.toFixed(2)}×`,
    met: atLeast ? ratio >= bound : ratio <= bound,
  };
}

function absoluteTarget(
  summary: Summary | undefined,
  target: string,
  unit: string,
  bound: number,
  atLeast: boolean,
): TargetCheck {
  if (summary === undefined || Number.isNaN(summary.median))
    return { target, measured: "not run at this size", met: undefined };
  const digits = unit === "ms" ? 3 : unit === "MB" ? 1 : 0;
  return {
    target,
    measured: `${summary.median.toFixed(digits)} ${unit}`,
    met: atLeast ? summary.median >= bound : summary.median <= bound,
  };
}

export function checkTargets(results: readonly WorkloadResult[]): TargetCheck[] {
  return [
    ratioTarget(results, "W1", "throughput", 0.9, true),
    ratioTarget(results, "W2", "throughput", 0.9, true),
    ratioTarget(results, "W4", "throughput", 0.9, true),
    ratioTarget(results, "W5", "p50 latency", 1.2, false),
    ratioTarget(results, "W3", "p50 read (vs multi_last)", 1.1, false),
    absoluteTarget(
      storeHeadline(results, "W7-100k"),
      "W3 store p50 <= 0.9 ms at 100k",
      "ms",
      0.9,
      false,
    ),
    absoluteTarget(
      storeHeadline(results, "W7-1M"),
      "W3 store p50 <= 1.5 ms at 1M",
      "ms",
      1.5,
      false,
    ),
    absoluteTarget(storeHeadline(results, "W8"), "W8 store RSS growth <= 64 MB", "MB", 64, false),
    memoryTarget(results),
    concurrencyTarget(results),
    zencastrLayoutTarget(results),
  ];
}

/** W3 in the zencastr layout against the raw read of the same layout (a direct-get scan). */
function zencastrLayoutTarget(results: readonly WorkloadResult[]): TargetCheck {
  const target = "W3 store-zencastr / raw-shared p50 read (zencastr layout) <= 1.2×";
  const workload = find(results, "W3");
  const raw = workload?.variants.find((variant) => variant.name === "raw-shared");
  const store = workload?.variants.find((variant) => variant.name === "store-zencastr");
  if (workload === undefined || raw === undefined || store === undefined) {
    return { target, measured: "not run", met: undefined };
  }
  const ratio = headline(workload, store).median / headline(workload, raw).median;
  return { target, measured: `${ratio.toFixed(2)}×`, met: ratio <= 1.2 };
}

/** W9 compares two store variants with each other: concurrency 8 against concurrency 1. */
function concurrencyTarget(results: readonly WorkloadResult[]): TargetCheck {
  const target = "W9 concurrency 8 / concurrency 1 with a 1 ms handler >= 5×";
  const workload = find(results, "W9");
  const one = workload?.variants.find((variant) => variant.name === "concurrency-1");
  const eight = workload?.variants.find((variant) => variant.name === "concurrency-8");
  if (workload === undefined || one === undefined || eight === undefined) {
    return { target, measured: "not run", met: undefined };
  }
  const ratio = headline(workload, eight).median / headline(workload, one).median;
  return { target, measured: `${ratio.toFixed(2)}×`, met: ratio >= 5 };
}

/** The memory backend is pure CPU, so writes per CPU-second are shown too: the rate on an idle core. */
function memoryTarget(results: readonly WorkloadResult[]): TargetCheck {
  const check = absoluteTarget(
    storeHeadline(results, "W6-W1"),
    "W6 memory sequential >= 100k writes/s",
    "writes/s",
    100_000,
    true,
  );
  const variant = find(results, "W6-W1")?.variants[0];
  if (variant === undefined) return check;
  const perCpuSecond = Math.round(1e6 / cpuPerOperationOf(variant).median);
  return { ...check, measured: `${check.measured} (${perCpuSecond} per CPU-second)` };
}

function unitOf(workload: WorkloadResult): string {
  if (workload.metric === "latency") return "p50 ms";
  if (workload.metric === "rss") return "MB";
  return "ops/s";
}

function formatValue(workload: WorkloadResult, value: number): string {
  if (workload.metric === "latency") return value.toFixed(3);
  if (workload.metric === "rss") return value.toFixed(1);
  return Math.round(value).toLocaleString("en-US");
}

interface Row {
  workload: string;
  variant: string;
  unit: string;
  median: string;
  range: string;
  p99: string;
  cpu: string;
  ratio: string;
}

function rowsOf(results: readonly WorkloadResult[]): Row[] {
  const rows: Row[] = [];
  for (const workload of results) {
    const ratio = ratioOf(workload);
    for (const variant of workload.variants) {
      const summary = headline(workload, variant);
      const p99 = workload.metric === "latency" ? p99Of(variant).median.toFixed(3) : "";
      const isSubject = variant.system === "store" && !variant.reference && ratio !== undefined;
      rows.push({
        workload: `${workload.id} ${workload.title}`,
        variant: variant.reference ? `${variant.name} (reference)` : variant.name,
        unit: unitOf(workload),
        median: formatValue(workload, summary.median),
        range: `${formatValue(workload, summary.min)}–${formatValue(workload, summary.max)}`,
        p99,
        cpu: workload.metric === "rss" ? "" : cpuPerOperationOf(variant).median.toFixed(1),
        ratio: isSubject ? `${(ratio as number).toFixed(2)}×` : "",
      });
    }
  }
  return rows;
}

function markOf(met: boolean | undefined): string {
  if (met === undefined) return "n/a";
  return met ? "met" : "NOT MET";
}

export function markdownOf(
  machine: Machine,
  settings: object,
  results: readonly WorkloadResult[],
  startedAt: Date,
  seconds: number,
): string {
  const lines = [
    `# Benchmark results (${(settings as { mode?: string }).mode ?? "full"} run)`,
    "",
    `Run ${startedAt.toISOString()}, ${Math.round(seconds)} s. Medians over the measured repetitions, min–max beside them; ratio = store / raw.`,
    "",
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.platform}; Node ${machine.node}; nats-server ${machine.natsServer}; nats.js ${machine.natsJs}.`,
    "",
    "| workload | variant | unit | median | min–max | p99 ms | client CPU µs/op | store/raw |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...rowsOf(results).map(
      (row) =>
        `| ${row.workload} | ${row.variant} | ${row.unit} | ${row.median} | ${row.range} | ${row.p99} | ${row.cpu} | ${row.ratio} |`,
    ),
    "",
    "| target | measured | result |",
    "| --- | --- | --- |",
    ...checkTargets(results).map(
      (check) => `| ${check.target} | ${check.measured} | ${markOf(check.met)} |`,
    ),
    "",
    "Settings:",
    "",
    "```json",
    JSON.stringify(settings, null, 2),
    "```",
    "",
  ];
  return lines.join("\n");
}

export function consoleTable(results: readonly WorkloadResult[]): string {
  const rows = rowsOf(results);
  const header = [
    "workload",
    "variant",
    "unit",
    "median",
    "min–max",
    "p99 ms",
    "CPU µs/op",
    "store/raw",
  ];
  const cells = rows.map((row) => [
    row.workload,
    row.variant,
    row.unit,
    row.median,
    row.range,
    row.p99,
    row.cpu,
    row.ratio,
  ]);
  const targetCells = checkTargets(results).map((check) => [
    check.target,
    check.measured,
    markOf(check.met),
  ]);
  return `${table(header, cells)}\n\n${table(["target", "measured", "result"], targetCells)}`;
}

function table(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: readonly string[]): string =>
    row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)].join(
    "\n",
  );
}

export async function writeResults(
  directory: string,
  name: string,
  machine: Machine,
  settings: object,
  results: readonly WorkloadResult[],
  startedAt: Date,
  seconds: number,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const json = {
    startedAt: startedAt.toISOString(),
    seconds,
    machine,
    settings,
    workloads: results.map((workload) => ({
      ...workload,
      ratio: ratioOf(workload) ?? null,
      variants: workload.variants.map((variant) => ({
        ...variant,
        median: headline(workload, variant).median,
        min: headline(workload, variant).min,
        max: headline(workload, variant).max,
      })),
    })),
    targets: checkTargets(results),
  };
  await writeFile(`${directory}/${name}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(
    `${directory}/${name}.md`,
    markdownOf(machine, settings, results, startedAt, seconds),
  );
}
