/**
 * `npm run bench:otel`: what tracing costs, in one run against one nats-server.
 *
 *   tsx bench/otel.ts [--quick] [--rounds N]
 *
 * - W1-like: sequential writes with an expected version to random streams, and W4-like:
 *   a new durable consumer catching up on a category, each in six modes (`Mode`,
 *   otel-child.ts): `off`, `hooks` (the context manager alone), `noop`, `traced`
 *   (BatchSpanProcessor, what a service runs), `traced-simple` (SimpleSpanProcessor) and
 *   `bare-span` (untraced, one bare SDK span around each write and in each handler). Every
 *   measurement runs in a process of its own, so no mode pays for what another switched on.
 *   Rounds alternate the order, so a busy machine hurts each alike; the median round is
 *   reported.
 * - The SDK floor: CPU per bare SDK span shaped like an attempt's, in a loop with no store,
 *   beside the untraced W4's CPU per message. `bare-span` is such a span inside a running
 *   writer or consumer, which costs more than in the loop: traced / bare-span is what the
 *   store's tracing costs beyond the SDK's span.
 * - Propagation: the p50 of reading a 100-message entity, written with the trace context in
 *   metadata, in headers, in both, or without tracing (`none`).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { connect, type MessageStore } from "message-store";
import { otelInstrumentation } from "message-store/otel";
import {
  type Figure,
  type Floor,
  type Job,
  type Mode,
  nextPrefix,
  type Placement,
  type ReadFigures,
} from "./otel-child.ts";
import { startBenchSdk } from "./otel-sdk.ts";
import { startBenchServer } from "./server.ts";
import { percentile } from "./stats.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, rounds: { type: "string" } },
});
const quick = values.quick === true;
const rounds = Number(values.rounds ?? (quick ? 1 : 5));
const WRITES = quick ? 300 : 3000;
const CONSUMED = quick ? 1000 : 10_000;
const FLOOR_SPANS = quick ? 2000 : 20_000;
const ENTITIES = 1000;
const READ_ENTITIES = quick ? 20 : 200;
const READS = quick ? 100 : 1000;

const MODES: readonly Mode[] = ["off", "hooks", "noop", "traced", "traced-simple", "bare-span"];
/** An empty list of figures for each mode in `MODES`. */
const figuresPerMode = (): Record<Mode, Figure[]> =>
  Object.fromEntries(MODES.map((mode) => [mode, []])) as unknown as Record<Mode, Figure[]>;
const CHILD = fileURLToPath(new URL("./otel-child.ts", import.meta.url));

/** Runs `job` in a fresh process (with this one's loader flags) and returns what it sends. */
function inChild<Result>(job: Job): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(job)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: Result | undefined;
    child.on("message", (message) => {
      result = message as Result;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`the ${job.job} child exited with code ${code}`));
    });
  });
}

/**
 * The W4 category, written by a traced writer so that every message carries its writer's
 * context as a traced service's messages do: each mode reads the same bytes, and a traced
 * attempt has a parent and a link to make.
 */
async function seed(store: MessageStore, count: number): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let index = 0; index < count; index++) {
    const write = store.write(`bench-${index % ENTITIES}`, { type: "Sampled", data: { index } });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= 100) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

const median = (samples: readonly number[]): number => percentile(samples, 0.5);

async function main(): Promise<void> {
  const server = await startBenchServer((line) => console.log(line));
  const url = server.url;
  const writer = startBenchSdk("batch");
  const instrumentation = otelInstrumentation({
    tracerProvider: writer.tracerProvider,
    propagator: writer.propagator,
  });
  try {
    const w1 = figuresPerMode();
    const w4 = figuresPerMode();
    const floors: Record<"batch" | "simple", Floor[]> = { batch: [], simple: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order)
        w1[mode].push(await inChild<Figure>({ job: "w1", mode, url, writes: WRITES }));
      for (const mode of order) {
        const prefix = nextPrefix(`w4${mode.replace("-", "")}`);
        const seeder = await connect(url, { prefix, instrumentation });
        await seed(seeder, CONSUMED);
        await seeder.close();
        writer.reset();
        w4[mode].push(await inChild<Figure>({ job: "w4", mode, url, prefix, messages: CONSUMED }));
      }
      for (const processor of ["batch", "simple"] as const)
        floors[processor].push(
          await inChild<Floor>({ job: "floor", processor, spans: FLOOR_SPANS }),
        );
      const figures = order.map(
        (mode) =>
          `${mode} ${w1[mode].at(-1)?.perSecond.toFixed(0)}/${w4[mode].at(-1)?.perSecond.toFixed(0)}`,
      );
      console.log(`round ${round + 1}/${rounds} (W1/W4 per second): ${figures.join(", ")}`);
    }
    const reads = await inChild<ReadFigures>({
      job: "read",
      url,
      entities: READ_ENTITIES,
      reads: READS,
    });

    console.log("");
    console.log(
      `Node ${process.version}, median of ${rounds} rounds, each measurement in its own process: ` +
        `W1 ${WRITES} sequential writes, W4 ${CONSUMED} messages handled`,
    );
    const rate = (figures: readonly Figure[]): number => median(figures.map((f) => f.perSecond));
    const cpu = (figures: readonly Figure[]): number => median(figures.map((f) => f.cpuMicros));
    for (const mode of MODES) {
      const cells = [
        `W1 ${rate(w1[mode]).toFixed(0).padStart(6)}/s (${(rate(w1[mode]) / rate(w1.off)).toFixed(2)}x)`,
        `${cpu(w1[mode]).toFixed(0).padStart(4)} µs CPU/write`,
        `W4 ${rate(w4[mode]).toFixed(0).padStart(6)}/s (${(rate(w4[mode]) / rate(w4.off)).toFixed(2)}x)`,
        `${cpu(w4[mode]).toFixed(1).padStart(5)} µs CPU/message`,
      ];
      console.log(`  ${mode.padEnd(13)} ${cells.join("   ")}`);
    }
    // The store's tracing beside the SDK's own span made around the same writes, in the same handler.
    const ofBare = (figures: Record<Mode, Figure[]>): string =>
      (rate(figures.traced) / rate(figures["bare-span"])).toFixed(2);
    console.log(
      `  traced / bare-span: W1 ${ofBare(w1)}x, W4 ${ofBare(w4)}x ` +
        `(the store's tracing against one bare SDK span per operation, untraced otherwise)`,
    );
    const untraced = cpu(w4.off);
    console.log(
      `SDK floor: one consumer span as a W4 attempt makes it (4 + 11 attributes, parent, link, ` +
        `in-memory exporter), no store, median of ${rounds}; untraced W4 is ${untraced.toFixed(1)} µs CPU/message`,
    );
    for (const processor of ["batch", "simple"] as const) {
      const span = median(floors[processor].map((floor) => floor.spanMicros));
      const entered = median(floors[processor].map((floor) => floor.withContextMicros));
      // W4 is bound by this process's CPU: at best a traced attempt costs the untraced one plus the span.
      const ceiling = (extra: number): string => (untraced / (untraced + extra)).toFixed(2);
      console.log(
        `  ${processor.padEnd(6)} span ${span.toFixed(1)} µs (W4 at most ${ceiling(span)}x); ` +
          `with its context entered ${entered.toFixed(1)} µs (at most ${ceiling(entered)}x)`,
      );
    }
    console.log(`read of a 100-message entity, p50 of ${READS} (${READ_ENTITIES * 100} messages)`);
    for (const [placement, ms] of Object.entries(reads) as [Placement, number][])
      console.log(
        `  ${placement.padEnd(8)} ${ms.toFixed(3)} ms (${(ms / reads.none).toFixed(2)}x)`,
      );
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
