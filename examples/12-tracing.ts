/**
 * Tracing with `message-store/otel`: one command flows through two handlers, and the trace
 * shows it as one tree, from the request that sent it to the last handler's write.
 *
 *   npx tsx examples/12-tracing.ts
 *
 * A service sets up the OpenTelemetry SDK once (here with an in-memory exporter, so the
 * example can print what it recorded; a real one exports to a collector).
 */
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { connect } from "message-store";
import { otelInstrumentation } from "message-store/otel";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
// The context manager carries the active span across awaits; the propagator writes it beside
// each message (W3C `traceparent`), so a handler in another process continues the trace.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const store = await connect(undefined, {
  prefix: `tracing${Date.now()}`,
  instrumentation: otelInstrumentation(),
});

// Handler 1 decides: a Deposit command becomes a Deposited event.
const accounts = store.subscribe("account:command", {
  consumer: "account-service",
  handlers: {
    Deposit: async (command) => {
      await store.write(`account-${command.streamId}`, { type: "Deposited", data: command.data });
    },
  },
});
// Handler 2 reacts: every Deposited event sends a notification.
const notifier = store.subscribe("account", {
  consumer: "notifier",
  handlers: {
    Deposited: async (event) => {
      await store.write(`notification-${event.streamId}`, { type: "NotificationSent" });
    },
  },
});
await accounts.start();
await notifier.start();

// The request that starts it all, e.g. an HTTP handler's span.
const waiting = store.waitFor("notification-42", () => true);
await trace
  .getTracer("example")
  .startActiveSpan("POST /accounts/42/deposits", { kind: SpanKind.SERVER }, async (request) => {
    await store.write("account:command-42", { type: "Deposit", data: { amount: 100 } });
    request.end();
  });
await waiting;
// stop() waits for handlers in flight, so every span has ended.
await accounts.stop();
await notifier.stop();
await store.close();

printTree(exporter.getFinishedSpans());

function printTree(spans: readonly ReadableSpan[]): void {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
  }
  const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
  console.log(`${spans.length} spans in ${traceIds.size} trace`);
  const print = (span: ReadableSpan, depth: number): void => {
    const kind = SpanKind[span.kind].toLowerCase();
    const consumer = span.attributes["messaging.consumer.group.name"];
    const detail = consumer === undefined ? "" : ` by ${consumer}`;
    console.log(`${"  ".repeat(depth)}${span.name} (${kind}${detail})`);
    const children = byParent.get(span.spanContext().spanId) ?? [];
    for (const child of children.sort(byStart)) print(child, depth + 1);
  };
  for (const root of byParent.get(undefined) ?? []) print(root, 0);
}

function byStart(a: ReadableSpan, b: ReadableSpan): number {
  return a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
}
