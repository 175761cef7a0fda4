/**
 * `npm run bench:otel`: what tracing costs, in one run against one nats-server.
 *
 *   tsx bench/otel.ts [--quick] [--rounds N]
 *
 * - W1-like: sequential writes with an expected version to random streams, and W4-like:
 *   a new durable consumer catching up on a category, each as `off` (no `instrumentation`),
 *   `noop` (`otelInstrumentation()` with no SDK registered) and `traced` (the real SDK with an
 *   in-memory exporter). Rounds alternate the order, so a busy machine hurts each alike; the
 *   median round is reported.
 * - Propagation: the p50 of reading a 100-message entity, written with the trace context in
 *   metadata, in headers, in both, or without tracing (`none`).
 */
import { parseArgs } from "node:util";
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { connect, type MessageStore, type MessageStoreOptions } from "message-store";
import { otelInstrumentation, type Propagation } from "message-store/otel";
import { startBenchServer } from "./server.ts";
import { nowMs, percentile } from "./stats.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, rounds: { type: "string" } },
});
const quick = values.quick === true;
const rounds = Number(values.rounds ?? (quick ? 1 : 5));
const WRITES = quick ? 300 : 3000;
const CONSUMED = quick ? 1000 : 10_000;
const ENTITIES = 1000;
const READ_ENTITIES = quick ? 20 : 200;
const READS = quick ? 100 : 1000;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const propagator = new W3CTraceContextPropagator();
propagation.setGlobalPropagator(propagator);

type Mode = "off" | "noop" | "traced";

/** Operations per second, and this process's CPU µs per operation (steadier on a busy machine). */
interface Figure {
  readonly perSecond: number;
  readonly cpuMicros: number;
}

function figureSince(operations: number, startedMs: number, cpu: NodeJS.CpuUsage): Figure {
  const used = process.cpuUsage(cpu);
  return {
    perSecond: operations / ((nowMs() - startedMs) / 1000),
    cpuMicros: (used.user + used.system) / operations,
  };
}
const MODES: readonly Mode[] = ["off", "noop", "traced"];

function optionsFor(mode: Mode, prefix: string): MessageStoreOptions {
  if (mode === "off") return { prefix };
  if (mode === "noop") return { prefix, instrumentation: otelInstrumentation() };
  return { prefix, instrumentation: otelInstrumentation({ tracerProvider, propagator }) };
}

let prefixes = 0;
const nextPrefix = (label: string): string => `otelbench_${label}_${Date.now()}_${prefixes++}`;

async function writesPerSecond(url: string, mode: Mode): Promise<Figure> {
  const store = await connect(url, optionsFor(mode, nextPrefix(`w1${mode}`)));
  try {
    await store.ensureCategory("bench");
    const versions = new Map<number, number>();
    let state = 7;
    const cpu = process.cpuUsage();
    const started = nowMs();
    for (let index = 0; index < WRITES; index++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const entity = state % ENTITIES;
      const result = await store.write(
        `bench-${entity}`,
        { type: "Sampled", data: { index } },
        { expectedVersion: versions.get(entity) ?? -1 },
      );
      versions.set(entity, result.position);
    }
    return figureSince(WRITES, started, cpu);
  } finally {
    exporter.reset();
    await store.close();
  }
}

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

async function consumedPerSecond(url: string, mode: Mode): Promise<Figure> {
  const prefix = nextPrefix(`w4${mode}`);
  const seeder = await connect(url, { prefix });
  await seed(seeder, CONSUMED);
  await seeder.close();
  const store = await connect(url, optionsFor(mode, prefix));
  try {
    let handled = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    const cpu = process.cpuUsage();
    const started = nowMs();
    const subscription = store.subscribe("bench", {
      consumer: "counter",
      handlers: {
        Sampled: () => {
          handled += 1;
          if (handled === CONSUMED) done();
        },
      },
    });
    await subscription.start();
    await all;
    const figure = figureSince(CONSUMED, started, cpu);
    await subscription.stop();
    return figure;
  } finally {
    exporter.reset();
    await store.close();
  }
}

type Placement = Propagation | "none";

async function readP50Ms(url: string, placement: Placement): Promise<number> {
  const prefix = nextPrefix(`read${placement}`);
  const options: MessageStoreOptions =
    placement === "none"
      ? { prefix }
      : {
          prefix,
          instrumentation: otelInstrumentation({
            tracerProvider,
            propagator,
            propagation: { bench: placement },
          }),
        };
  const store = await connect(url, options);
  try {
    const inFlight = new Set<Promise<unknown>>();
    for (let position = 0; position < 100; position++) {
      for (let entity = 0; entity < READ_ENTITIES; entity++) {
        const write = store.write(`bench-${entity}`, { type: "Sampled", data: { position } });
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write));
        if (inFlight.size >= 100) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
    exporter.reset();
    const samples: number[] = [];
    for (let index = 0; index < READS; index++) {
      const started = nowMs();
      const messages = await store.get(`bench-${index % READ_ENTITIES}`);
      samples.push(nowMs() - started);
      if (messages.length !== 100) throw new Error(`read ${messages.length} messages, not 100`);
    }
    return percentile(samples, 0.5);
  } finally {
    await store.close();
  }
}

const median = (samples: readonly number[]): number => percentile(samples, 0.5);

async function main(): Promise<void> {
  const server = await startBenchServer((line) => console.log(line));
  try {
    const w1: Record<Mode, Figure[]> = { off: [], noop: [], traced: [] };
    const w4: Record<Mode, Figure[]> = { off: [], noop: [], traced: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) w1[mode].push(await writesPerSecond(server.url, mode));
      for (const mode of order) w4[mode].push(await consumedPerSecond(server.url, mode));
      const figures = order.map(
        (mode) =>
          `${mode} ${w1[mode].at(-1)?.perSecond.toFixed(0)}/${w4[mode].at(-1)?.perSecond.toFixed(0)}`,
      );
      console.log(`round ${round + 1}/${rounds} (W1/W4): ${figures.join(", ")}`);
    }
    const reads: Record<Placement, number> = { none: 0, metadata: 0, headers: 0, both: 0 };
    for (const placement of Object.keys(reads) as Placement[])
      reads[placement] = await readP50Ms(server.url, placement);

    console.log("");
    console.log(
      `median of ${rounds} rounds: W1 ${WRITES} sequential writes, W4 ${CONSUMED} messages handled`,
    );
    const rate = (figures: readonly Figure[]): number => median(figures.map((f) => f.perSecond));
    const cpu = (figures: readonly Figure[]): number => median(figures.map((f) => f.cpuMicros));
    for (const mode of MODES) {
      const cells = [
        `W1 ${rate(w1[mode]).toFixed(0).padStart(6)}/s (${(rate(w1[mode]) / rate(w1.off)).toFixed(2)}x)`,
        `${cpu(w1[mode]).toFixed(0).padStart(4)} µs CPU/write`,
        `W4 ${rate(w4[mode]).toFixed(0).padStart(6)}/s (${(rate(w4[mode]) / rate(w4.off)).toFixed(2)}x)`,
        `${cpu(w4[mode]).toFixed(0).padStart(4)} µs CPU/message`,
      ];
      console.log(`  ${mode.padEnd(6)} ${cells.join("   ")}`);
    }
    console.log(`read of a 100-message entity, p50 of ${READS} (${READ_ENTITIES * 100} messages)`);
    for (const [placement, ms] of Object.entries(reads))
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
