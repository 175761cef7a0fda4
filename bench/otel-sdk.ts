/**
 * The tracing setups `bench/otel.ts` compares, as a service would register them: the
 * async-hooks context manager, the W3C propagator, and an in-memory exporter behind
 * `BatchSpanProcessor` (what a service runs) or `SimpleSpanProcessor` (an export per span,
 * what tests and examples use).
 */
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** `batch`: `BatchSpanProcessor` (queue below); `simple`: `SimpleSpanProcessor`. */
export type Processor = "batch" | "simple";

/**
 * The batch processor's queue. Its default, 2,048, drops spans in W4: a consumer handles a
 * whole pull batch in one turn of the event loop, and the exporter finishes an export only on
 * a later turn (the in-memory one on a timer, a network one when the collector answers).
 * Every bench run checks that no span was dropped (otel-child.ts).
 */
export const BATCH_QUEUE_SIZE = 16_384;

export interface BenchSdk {
  readonly tracerProvider: BasicTracerProvider;
  readonly propagator: W3CTraceContextPropagator;
  /** Every span exported so far; `forceFlush` first for the batch processor's queue. */
  exported(): Promise<number>;
  reset(): void;
}

/**
 * Registers the async-local-storage context manager and enters a context once: from then on
 * Node runs async hooks for every promise in the process, whether or not a span is made.
 */
export function enableContextManager(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  context.with(context.active(), () => {});
}

/** Registers the context manager and the propagator for this process, as an SDK's setup does. */
export function startBenchSdk(processor: Processor): BenchSdk {
  enableContextManager();
  const propagator = new W3CTraceContextPropagator();
  propagation.setGlobalPropagator(propagator);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      processor === "batch"
        ? new BatchSpanProcessor(exporter, { maxQueueSize: BATCH_QUEUE_SIZE })
        : new SimpleSpanProcessor(exporter),
    ],
  });
  return {
    tracerProvider,
    propagator,
    async exported() {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans().length;
    },
    reset: () => exporter.reset(),
  };
}
