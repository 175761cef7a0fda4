/**
 * How long the property tests run. The quick profile (the default, and CI's) runs each property
 * a bounded number of times, in seconds; `PROPERTY_RUNS=2000 npx vitest run test/property`
 * runs the long one. A failure prints fast-check's seed and path: replay it with
 * `PROPERTY_SEED=<seed>` (and the same `PROPERTY_RUNS`).
 */
function fromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${text}`);
  return value;
}

const runs = fromEnv("PROPERTY_RUNS");
const seed = fromEnv("PROPERTY_SEED");

/** fast-check parameters for a property whose quick profile runs it `quickRuns` times. */
export function profile(quickRuns: number): { numRuns: number; seed?: number } {
  return { numRuns: runs ?? quickRuns, ...(seed === undefined ? {} : { seed }) };
}

/** A vitest timeout that grows with the number of runs: `perRunMs` each, 30 s at least. */
export function timeoutFor(quickRuns: number, perRunMs: number): number {
  return Math.max(30_000, (runs ?? quickRuns) * perRunMs);
}
