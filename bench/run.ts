/**
 * `npm run bench` (full, under 10 minutes) and `npm run bench:quick` (same workloads at small
 * sizes, under a minute; CI runs it so the suite never rots, and judges no numbers).
 *
 *   tsx bench/run.ts [--quick] [--only W1,W3] [--repetitions N] [--system raw|store]
 *
 * One nats-server, started here with a temporary file store, serves both systems.
 */
import { readFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats } from "@nats-io/transport-node";
import { runWorkload, type WorkloadResult } from "./harness.ts";
import { consoleTable, type Machine, withDerivedWorkloads, writeResults } from "./report.ts";
import { startBenchServer } from "./server.ts";
import { FULL, QUICK, type Settings, sizeLabel } from "./settings.ts";
import { workloadsFor } from "./workloads/index.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    repetitions: { type: "string" },
    system: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(
    "usage: tsx bench/run.ts [--quick] [--only W1,W3,W7] [--repetitions N] [--system raw|store]",
  );
  process.exit(0);
}

const base = values.quick ? QUICK : FULL;
const settings: Settings =
  values.repetitions === undefined ? base : { ...base, repetitions: Number(values.repetitions) };
if (!Number.isSafeInteger(settings.repetitions) || settings.repetitions < 1) {
  console.error("--repetitions must be a positive integer");
  process.exit(1);
}
const only = values.only?.split(",").map((id) => id.trim().toUpperCase());
const log = (line: string): void => console.log(line);

function natsJsVersion(): string {
  const url = new URL("../node_modules/@nats-io/jetstream/package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const server = await startBenchServer(log);
  log(`nats-server ${server.version} at ${server.url}, ${settings.mode} run`);
  const connection = await connectNats({ servers: server.url });
  const manager = await jetstreamManager(connection);
  const results: WorkloadResult[] = [];
  try {
    const selected = workloadsFor(settings)
      .map((workload) => ({
        ...workload,
        variants: workload.variants.filter(
          (variant) => values.system === undefined || variant.system === values.system,
        ),
      }))
      .filter((workload) => workload.variants.length > 0)
      .filter(
        (workload) =>
          only === undefined ||
          only.some(
            (id) =>
              workload.id === id ||
              workload.id.startsWith(`${id}-`) ||
              (id === "W8" && workload.id === "W4"),
          ),
      );
    for (const workload of selected) {
      log(`${workload.id}: ${workload.title}`);
      results.push(await runWorkload(workload, { url: server.url, settings }, manager, log));
    }
  } finally {
    await connection.close();
    await server.stop();
  }
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const cpuList = cpus();
  const machine: Machine = {
    cpu: cpuList[0]?.model ?? "unknown",
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    platform: `${platform()} ${release()}`,
    node: process.version,
    natsServer: server.version,
    natsJs: natsJsVersion(),
  };
  const reported = withDerivedWorkloads(
    results,
    sizeLabel(settings.entities * settings.messagesPerEntity),
  );
  const directory = new URL("results", import.meta.url).pathname;
  // Only a whole full run replaces the committed `latest.*`; quick and partial runs
  // (`--only`, `--system`) write files git ignores.
  const partial = only !== undefined || values.system !== undefined;
  const name = settings.mode === "quick" ? "latest-quick" : partial ? "latest-partial" : "latest";
  await writeResults(directory, name, machine, settings, reported, startedAt, seconds);
  log("");
  log(consoleTable(reported));
  log("");
  log(`${Math.round(seconds)} s; results in bench/results/${name}.json and ${name}.md`);
}

// Exiting through process.exit runs the server module's exit hook, which kills the server.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
