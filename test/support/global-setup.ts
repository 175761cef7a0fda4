/**
 * Vitest global setup: builds the package once (CLI tests spawn `dist/cli/main.js`), then
 * finds or fetches a nats-server >= 2.12 and starts one server for the whole run. Without a
 * server, CI fails; elsewhere the NATS tests are skipped and say why.
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, stat, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { findNatsServer } from "../../src/server/find-nats-server.ts";
import { type RunningNatsServer, startNatsServer } from "../../src/server/run-nats-server.ts";
import type {} from "./provided-context.ts";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const say = (line: string): void => console.log(`[test setup] ${line}`);

/** Written after a clean build; a build newer than every source is not redone. */
const buildStamp = join(projectRoot, ".cache", "build.stamp");

async function modifiedAt(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

async function newestSource(dir: string): Promise<number> {
  let newest = await modifiedAt(dir);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? await newestSource(path) : await modifiedAt(path),
    );
  }
  return newest;
}

async function buildIsFresh(): Promise<boolean> {
  const built = await modifiedAt(buildStamp);
  if (built === 0 || (await modifiedAt(join(projectRoot, "dist", "index.js"))) === 0) return false;
  const configs = ["tsconfig.json", "tsconfig.build.json", "package.json"];
  const inputs = await Promise.all(configs.map((name) => modifiedAt(join(projectRoot, name))));
  return Math.max(await newestSource(join(projectRoot, "src")), ...inputs) < built;
}

/** tsc emits even with type errors, so a failing build is reported and the run goes on. */
async function buildPackage(): Promise<void> {
  if (await buildIsFresh()) return;
  const startedAt = Date.now();
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const errors = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [tsc, "-p", "tsconfig.build.json"],
      { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => resolve(error === null ? "" : stdout.trim() || error.message),
    );
  });
  if (errors === "") {
    await mkdir(join(projectRoot, ".cache"), { recursive: true });
    await writeFile(buildStamp, new Date(startedAt).toISOString());
    // Dated at the build's start, so a source saved during the build makes the next run rebuild.
    await utimes(buildStamp, startedAt / 1000, startedAt / 1000);
    return;
  }
  const lines = errors.split("\n");
  say(`the build reported ${lines.length} line(s) of errors; the first ones:`);
  for (const line of lines.slice(0, 10)) say(`  ${line}`);
}

/** Starts the shared server, or says why there is none. */
async function startSharedServer(): Promise<
  { server: RunningNatsServer; binary: string } | { reason: string }
> {
  try {
    const binary = await findNatsServer({ log: say });
    const server = await startNatsServer({ binary: binary.path });
    say(`nats-server ${server.version} at ${server.url}`);
    return { server, binary: binary.path };
  } catch (error) {
    return {
      reason: `no nats-server >= 2.12 could be found or started: ${(error as Error).message}`,
    };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The build and the server search run side by side; both finish before anything throws.
  const [shared] = await Promise.all([startSharedServer(), buildPackage()]);
  if ("reason" in shared) {
    if (process.env.CI === "true") throw new Error(shared.reason);
    say(`${shared.reason}\nNATS tests will be skipped.`);
    project.provide("natsUrl", "");
    project.provide("natsServerBin", "");
    project.provide("natsUnavailableReason", shared.reason);
    return async () => {};
  }
  project.provide("natsUrl", shared.server.url);
  project.provide("natsServerBin", shared.binary);
  project.provide("natsUnavailableReason", "");
  return () => shared.server.stop();
}
