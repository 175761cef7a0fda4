/**
 * A real OpenTelemetry SDK for tests: spans go to an in-memory exporter, metrics to an
 * in-memory metric exporter, and the async-hooks context manager carries the active span
 * across awaits (as a service's SDK setup would).
 */
import { context, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { Instrumentation } from "../../src/instrumentation.ts";
import { type OtelOptions, otelInstrumentation } from "../../src/otel/index.ts";

let contextManagerSet = false;

export interface TestTelemetry {
  readonly spans: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly propagator: W3CTraceContextPropagator;
  /** A tracer for the test's own spans (a request, a Zencastr service). */
  readonly tracer: Tracer;
  instrumentation(options?: OtelOptions): Instrumentation;
  /** Every metric point collected so far, by instrument name. */
  metrics(): Promise<Map<string, MetricData>>;
  readonly meterProvider: MeterProvider;
  /** The sum of an instrument's points whose attributes include `attributes` (a gauge's value when one matches). */
  sum(name: string, attributes?: Record<string, unknown>): Promise<number>;
  finished(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function createTestTelemetry(): TestTelemetry {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const propagator = new W3CTraceContextPropagator();
  const metrics = async (): Promise<Map<string, MetricData>> => {
    metricExporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of metricExporter.getMetrics())
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  };
  return {
    spans,
    tracerProvider,
    propagator,
    tracer: tracerProvider.getTracer("test"),
    instrumentation: (options = {}) =>
      otelInstrumentation({ tracerProvider, meterProvider, propagator, ...options }),
    meterProvider,
    metrics,
    async sum(name, attributes = {}) {
      const metric = (await metrics()).get(name);
      if (metric === undefined) return 0;
      let total = 0;
      for (const point of metric.dataPoints) {
        const matches = Object.entries(attributes).every(
          ([key, value]) => point.attributes[key] === value,
        );
        if (matches && typeof point.value === "number") total += point.value;
      }
      return total;
    },
    finished: () => spans.getFinishedSpans(),
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The one finished span named `name`; fails when there are none or several. */
export function onlySpan(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one span "${name}", found ${found.length}: ${spans.map((s) => s.name).join(", ")}`,
    );
  return found[0] as ReadableSpan;
}

/** Waits until `probe` returns something. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
