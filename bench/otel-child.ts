/**
 * One measurement of `bench/otel.ts`, in a process of its own, so that no mode pays for what
 * another switched on before it (on Node 20 the first `context.with` turns on async hooks for
 * the whole process, and every promise after pays for them). The parent forks this file with
 * the job as JSON in `argv[2]` and gets the figure back as one IPC message.
 */
import {
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { connect, type MessageStore, type MessageStoreOptions } from "message-store";
import { otelInstrumentation, type Propagation } from "message-store/otel";
import { type BenchSdk, enableContextManager, type Processor, startBenchSdk } from "./otel-sdk.ts";
import { nowMs, percentile } from "./stats.ts";

/**
 * `off`: no `instrumentation` option. `hooks`: no `instrumentation` either, but the SDK's
 * async-local-storage context manager registered and entered once, as a traced service has it:
 * what async hooks alone cost every promise of the client. `noop`: `otelInstrumentation()` with
 * no SDK registered. `traced`: the SDK with `BatchSpanProcessor`; `traced-simple`: with
 * `SimpleSpanProcessor`. `bare-span`: no `instrumentation`, but the SDK (batch processor)
 * makes one bare span per operation, shaped as the store's: around each W1 write
 * (`bareWriteSpans`), and in the W4 handler as the floor does (`attemptLikeSpan`). What the
 * SDK's span costs inside a running writer or consumer, with none of the store's tracing code.
 */
export type Mode = "off" | "hooks" | "noop" | "traced" | "traced-simple" | "bare-span";

export type Job =
  | { readonly job: "w1"; readonly mode: Mode; readonly url: string; readonly writes: number }
  /** The category `bench` under `prefix` holds `messages` messages, seeded by the parent. */
  | {
      readonly job: "w4";
      readonly mode: Mode;
      readonly url: string;
      readonly prefix: string;
      readonly messages: number;
    }
  | { readonly job: "floor"; readonly processor: Processor; readonly spans: number }
  | {
      readonly job: "read";
      readonly url: string;
      readonly entities: number;
      readonly reads: number;
    };

/** Operations per second, and this process's CPU µs per operation (steadier on a busy machine). */
export interface Figure {
  readonly perSecond: number;
  readonly cpuMicros: number;
}

/** The SDK floor: CPU µs per bare span, and per span whose context is also entered once. */
export interface Floor {
  readonly spanMicros: number;
  readonly withContextMicros: number;
}

export type Placement = Propagation | "none";
export type ReadFigures = Record<Placement, number>;

const ENTITIES = 1000;
/** Untimed writes first, so that the timed ones run on code the JIT has compiled. */
const WARM_UP_WRITES = 500;
const nothing = (): void => {};
/** What an attempt's span starts with in the store's shape (span-shapes.ts). */
const START_ATTRIBUTES = {
  "messaging.system": "nats",
  "messaging.operation.type": "process",
  "messaging.operation.name": "process",
  "messaging.destination.name": "bench",
};

function figureSince(operations: number, startedMs: number, cpu: NodeJS.CpuUsage): Figure {
  const used = process.cpuUsage(cpu);
  return {
    perSecond: operations / ((nowMs() - startedMs) / 1000),
    cpuMicros: (used.user + used.system) / operations,
  };
}

let prefixes = 0;
export const nextPrefix = (label: string): string =>
  `otelbench_${label}_${process.pid}_${Date.now()}_${prefixes++}`;

function sdkFor(mode: Mode): BenchSdk | undefined {
  if (mode === "hooks") {
    enableContextManager();
    return undefined;
  }
  if (mode === "traced" || mode === "bare-span") return startBenchSdk("batch");
  if (mode === "traced-simple") return startBenchSdk("simple");
  return undefined;
}

function optionsFor(mode: Mode, sdk: BenchSdk | undefined, prefix: string): MessageStoreOptions {
  if (mode === "off" || mode === "hooks" || mode === "bare-span") return { prefix };
  if (sdk === undefined) return { prefix, instrumentation: otelInstrumentation() };
  const { tracerProvider, propagator } = sdk;
  return { prefix, instrumentation: otelInstrumentation({ tracerProvider, propagator }) };
}

/** Throws when the exporter did not get every span: a dropped span would flatter the figure. */
async function checkExported(sdk: BenchSdk | undefined, expected: number): Promise<void> {
  if (sdk === undefined) return;
  const exported = await sdk.exported();
  if (exported < expected) throw new Error(`exported ${exported} spans, expected ${expected}`);
}

/** Wraps each write of W1: the `bare-span` mode's span around it, else nothing. */
type AroundWrite = <Result>(category: string, write: () => Promise<Result>) => Promise<Result>;

const asItIs: AroundWrite = (_category, write) => write();

/**
 * `writes` sequential writes, each expecting its stream's version, to random streams, each
 * through `around`.
 */
async function appendRandomly(
  store: MessageStore,
  category: string,
  writes: number,
  around: AroundWrite,
) {
  const versions = new Map<number, number>();
  let state = 7;
  for (let index = 0; index < writes; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const entity = state % ENTITIES;
    const result = await around(category, () =>
      store.write(
        `${category}-${entity}`,
        { type: "Sampled", data: { index } },
        { expectedVersion: versions.get(entity) ?? -1 },
      ),
    );
    versions.set(entity, result.position);
  }
}

/**
 * The `bare-span` mode's W1 work: one producer span around each write, shaped as the store's
 * (name, kind, the four messaging attributes at its start, three once it records, the
 * position and global position at its end), made by the SDK alone: no context is carried in
 * the message and no metric is recorded.
 */
function bareWriteSpans(sdk: BenchSdk): AroundWrite {
  const tracer = sdk.tracerProvider.getTracer("message-store");
  return async (category, write) => {
    const span = tracer.startSpan(`write ${category}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.operation.name": "write",
        "messaging.destination.name": category,
      },
    });
    if (span.isRecording())
      span.setAttributes({
        "message_store.stream_name": `${category}-1`,
        "message_store.message_type": "Sampled",
        "message_store.expected_version": "0",
      });
    const result = await write();
    span.setAttributes({ "message_store.position": 1, "message_store.global_position": 2 });
    span.end();
    return result;
  };
}

async function writesPerSecond(mode: Mode, url: string, writes: number): Promise<Figure> {
  const sdk = sdkFor(mode);
  const around = mode === "bare-span" && sdk !== undefined ? bareWriteSpans(sdk) : asItIs;
  const store = await connect(url, optionsFor(mode, sdk, nextPrefix(`w1${mode}`)));
  try {
    await store.ensureCategory("bench");
    await store.ensureCategory("warm");
    await appendRandomly(store, "warm", WARM_UP_WRITES, around);
    await checkExported(sdk, WARM_UP_WRITES);
    sdk?.reset();
    const cpu = process.cpuUsage();
    const started = nowMs();
    await appendRandomly(store, "bench", writes, around);
    const figure = figureSince(writes, started, cpu);
    await checkExported(sdk, writes);
    return figure;
  } finally {
    await store.close();
  }
}

/**
 * A new durable consumer `consumer` handles all `messages` of the category `bench`; timed
 * from its start until the last is handled.
 */
async function catchUp(
  store: MessageStore,
  consumer: string,
  messages: number,
  alsoPerMessage: (index: number) => void,
): Promise<Figure> {
  let handled = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const subscription = store.subscribe("bench", {
    consumer,
    handlers: {
      Sampled: () => {
        alsoPerMessage(handled);
        handled += 1;
        if (handled === messages) done();
      },
    },
  });
  const cpu = process.cpuUsage();
  const started = nowMs();
  await subscription.start();
  await all;
  const figure = figureSince(messages, started, cpu);
  await subscription.stop();
  return figure;
}

async function consumedPerSecond(
  mode: Mode,
  url: string,
  prefix: string,
  messages: number,
): Promise<Figure> {
  const sdk = sdkFor(mode);
  const perMessage = mode === "bare-span" && sdk !== undefined ? bareSpans(sdk) : nothing;
  const store = await connect(url, optionsFor(mode, sdk, prefix));
  try {
    await catchUp(store, "warmup", messages, perMessage);
    await checkExported(sdk, messages);
    sdk?.reset();
    const figure = await catchUp(store, "counter", messages, perMessage);
    await checkExported(sdk, messages);
    return figure;
  } finally {
    await store.close();
  }
}

/** A writer's context, as a propagator reads it from a traced message: parent and link of a span. */
function writerContext(sdk: BenchSdk): { writer: Context; link: Link } {
  const writer = sdk.propagator.extract(
    ROOT_CONTEXT,
    { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    { keys: (carrier) => Object.keys(carrier), get: (carrier, key) => carrier[key] },
  );
  const writerSpan = trace.getSpanContext(writer);
  if (writerSpan === undefined) throw new Error("the propagator read no writer's context");
  return { writer, link: { context: writerSpan } };
}

/**
 * One consumer span as a traced W4 attempt makes it, with no store code: the same name and
 * kind, a writer's context as parent and as link, the four messaging attributes at its start
 * and ten more once it records, the outcome at its end, through the same processor and
 * exporter; with `enter`, its context entered once around a no-op, as an attempt runs its
 * handler.
 */
function attemptLikeSpan(
  tracer: Tracer,
  { writer, link }: { writer: Context; link: Link },
  index: number,
  enter: boolean,
): void {
  const span = tracer.startSpan(
    "process bench",
    { kind: SpanKind.CONSUMER, attributes: START_ATTRIBUTES, links: [link] },
    writer,
  );
  if (span.isRecording())
    span.setAttributes({
      "messaging.destination.subscription.name": "counter",
      "messaging.consumer.group.name": "counter",
      "messaging.message.id": `9d5e3c1a-7b2f-4e8a-9c41-${String(index).padStart(12, "0")}`,
      "message_store.stream_name": `bench-${index % ENTITIES}`,
      "message_store.position": index >> 10,
      "message_store.global_position": index + 1,
      "message_store.message_type": "Sampled",
      "message_store.consumer": "counter",
      "message_store.attempt": 1,
      "message_store.max_attempts": 3,
    });
  if (enter) context.with(trace.setSpan(writer, span), nothing);
  span.setAttribute("message_store.outcome", "ack");
  span.end();
}

/** The `bare-span` mode's handler work: one attempt-like span per message, its context entered. */
function bareSpans(sdk: BenchSdk): (index: number) => void {
  const tracer = sdk.tracerProvider.getTracer("message-store");
  const writer = writerContext(sdk);
  return (index) => attemptLikeSpan(tracer, writer, index, true);
}

/**
 * What the SDK alone costs per handler attempt: `attemptLikeSpan` in a tight loop with no
 * store, without and then with its context entered.
 */
function sdkFloor(processor: Processor, spans: number): Floor {
  const sdk = startBenchSdk(processor);
  const tracer = sdk.tracerProvider.getTracer("message-store");
  const writer = writerContext(sdk);
  const run = (count: number, enter: boolean): number => {
    const cpu = process.cpuUsage();
    for (let index = 0; index < count; index++) attemptLikeSpan(tracer, writer, index, enter);
    const used = process.cpuUsage(cpu);
    sdk.reset();
    return (used.user + used.system) / count;
  };
  run(spans, false); // warm-up, as for every figure of this bench
  const spanMicros = run(spans, false);
  run(spans, true);
  return { spanMicros, withContextMicros: run(spans, true) };
}

async function readP50Ms(url: string, entities: number, reads: number): Promise<ReadFigures> {
  const sdk = startBenchSdk("batch");
  const figures: ReadFigures = { none: 0, metadata: 0, headers: 0, both: 0 };
  for (const placement of Object.keys(figures) as Placement[]) {
    const prefix = nextPrefix(`read${placement}`);
    const options: MessageStoreOptions =
      placement === "none"
        ? { prefix }
        : {
            prefix,
            instrumentation: otelInstrumentation({
              tracerProvider: sdk.tracerProvider,
              propagator: sdk.propagator,
              propagation: { bench: placement },
            }),
          };
    const store = await connect(url, options);
    try {
      const inFlight = new Set<Promise<unknown>>();
      for (let position = 0; position < 100; position++) {
        for (let entity = 0; entity < entities; entity++) {
          const write = store.write(`bench-${entity}`, { type: "Sampled", data: { position } });
          inFlight.add(write);
          void write.finally(() => inFlight.delete(write));
          if (inFlight.size >= 100) await Promise.race(inFlight);
        }
      }
      await Promise.all(inFlight);
      sdk.reset();
      const samples: number[] = [];
      for (let index = 0; index < reads; index++) {
        const started = nowMs();
        const messages = await store.get(`bench-${index % entities}`);
        samples.push(nowMs() - started);
        if (messages.length !== 100) throw new Error(`read ${messages.length} messages, not 100`);
      }
      figures[placement] = percentile(samples, 0.5);
    } finally {
      await store.close();
    }
  }
  return figures;
}

async function runJob(job: Job): Promise<Figure | Floor | ReadFigures> {
  switch (job.job) {
    case "w1":
      return writesPerSecond(job.mode, job.url, job.writes);
    case "w4":
      return consumedPerSecond(job.mode, job.url, job.prefix, job.messages);
    case "floor":
      return sdkFloor(job.processor, job.spans);
    case "read":
      return readP50Ms(job.url, job.entities, job.reads);
  }
}

if (process.send !== undefined) {
  runJob(JSON.parse(process.argv[2] ?? "") as Job).then(
    (figure) => process.send?.(figure, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
