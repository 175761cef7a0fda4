/**
 * The targets of W11 (issue 15). They compare variants within one workload (a cached fetch
 * against a raw direct get and against an uncached fetch), so they are computed here rather
 * than by the generic store/raw ratio; `handle` has no raw counterpart and is reported as is.
 */
import type { WorkloadResult } from "./harness.ts";
import type { TargetCheck } from "./report.ts";
import { summarize } from "./stats.ts";

function medianOf(
  results: readonly WorkloadResult[],
  id: string,
  variant: string,
  value: "p50" | "throughput",
): number | undefined {
  const found = results
    .find((result) => result.id === id)
    ?.variants.find((v) => v.name === variant);
  if (found === undefined || found.measurements.length === 0) return undefined;
  return summarize(
    found.measurements.map((m) =>
      value === "p50" ? (m.p50Ms ?? Number.NaN) : m.operations / m.seconds,
    ),
  ).median;
}

function ratioCheck(
  results: readonly WorkloadResult[],
  id: string,
  [over, under]: readonly [string, string],
  target: string,
  bound: number,
): TargetCheck {
  const top = medianOf(results, id, over, "p50");
  const bottom = medianOf(results, id, under, "p50");
  if (top === undefined || bottom === undefined)
    return { target, measured: "not run", met: undefined };
  const ratio = top / bottom;
  return {
    target,
    measured: `${ratio.toFixed(2)}× (${top.toFixed(3)} / ${bottom.toFixed(3)} ms)`,
    met: ratio <= bound,
  };
}

function handleReport(
  results: readonly WorkloadResult[],
  variant: string,
  label: string,
): TargetCheck {
  const target = `W11-handle ${label}: throughput and p50 (reported)`;
  const rate = medianOf(results, "W11-handle", variant, "throughput");
  const p50 = medianOf(results, "W11-handle", variant, "p50");
  if (rate === undefined || p50 === undefined)
    return { target, measured: "not run", met: undefined };
  return {
    target,
    measured: `${Math.round(rate)} handles/s, p50 ${p50.toFixed(3)} ms`,
    met: undefined,
  };
}

export function entityTargets(results: readonly WorkloadResult[]): TargetCheck[] {
  return [
    ratioCheck(
      results,
      "W11-cached",
      ["store-cached", "raw"],
      "W11-cached cached fetch / raw direct get <= 1.2×",
      1.2,
    ),
    ratioCheck(
      results,
      "W11-cached",
      ["store-cached", "store-uncached"],
      "W11-cached cached / uncached fetch <= 0.3×",
      0.3,
    ),
    ratioCheck(
      results,
      "W11-moved",
      ["store-cached", "raw"],
      "W11-moved cached fetch after one event / raw direct get <= 1.5×",
      1.5,
    ),
    ratioCheck(
      results,
      "W11-snapshot",
      ["store-snapshot", "store-uncached-100"],
      "W11-snapshot cold 10k fetch with snapshot / uncached 100-event fetch <= 2×",
      2,
    ),
    handleReport(results, "one-entity", "8 callers, one entity"),
    handleReport(results, "1000-entities", "8 callers, 1,000 entities"),
  ];
}
