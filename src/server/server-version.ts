/**
 * Reading and comparing nats-server versions. The finder accepts a binary only when its own
 * `--version` says it is new enough, so a stale binary on PATH is never used by accident.
 */
import { execFile } from "node:child_process";

/** The oldest nats-server message-store supports (atomic batches arrived in 2.12). */
export const MIN_NATS_SERVER_VERSION = "2.12.0";

interface ParsedVersion {
  readonly numbers: readonly [number, number, number];
  readonly prerelease: string;
}

function parseVersion(version: string): ParsedVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?/.exec(version.trim());
  if (match === null) return undefined;
  return {
    numbers: [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)],
    prerelease: match[4] ?? "",
  };
}

/**
 * Compares two versions such as `2.12.0` or `v2.15.1-RC.2`: negative when `a` is older.
 * A pre-release sorts before its release, as semver says; pre-release tags compare as text.
 * Text that is not a version sorts before every version.
 */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left === undefined || right === undefined) {
    return (left === undefined ? 0 : 1) - (right === undefined ? 0 : 1);
  }
  for (let index = 0; index < 3; index++) {
    const difference = (left.numbers[index] ?? 0) - (right.numbers[index] ?? 0);
    if (difference !== 0) return difference;
  }
  if (left.prerelease === right.prerelease) return 0;
  if (left.prerelease === "") return 1;
  if (right.prerelease === "") return -1;
  return left.prerelease < right.prerelease ? -1 : 1;
}

/** Pulls the version out of `nats-server --version` output (`nats-server: v2.15.1`). */
export function versionFromOutput(output: string): string | undefined {
  const match = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output);
  return match?.[1];
}

/** Runs `binary --version`; `undefined` when it does not run or says no version. */
export function readNatsServerVersion(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ["--version"], { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve(error === null ? versionFromOutput(`${stdout}\n${stderr}`) : undefined);
    });
  });
}
