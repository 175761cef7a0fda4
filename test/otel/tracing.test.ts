// Spans and metrics from `message-store/otel`, with the real SDK's in-memory exporters, on both backends.
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import {
  connect,
  type MessageStore,
  type MessageStoreOptions,
  type RecordedMessage,
} from "../../src/index.ts";
import { observeConsumerLag, TRACE_CONTEXT_METADATA_KEY } from "../../src/otel/index.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { createTestTelemetry, onlySpan, type TestTelemetry, until } from "../support/otel.ts";

const backends: { name: string; open: (options: MessageStoreOptions) => Promise<MessageStore> }[] =
  [{ name: "memory", open: (options) => connect("memory:", options) }];
if (hasNats())
  backends.push({
    name: "nats",
    open: (options) => connect(natsUrl(), { prefix: uniquePrefix("otel"), ...options }),
  });

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe.each(backends)("otel on $name", ({ name: backend, open }) => {
  let telemetry: TestTelemetry;
  let store: MessageStore | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await telemetry?.shutdown();
  });

  async function tracedStore(options: Parameters<TestTelemetry["instrumentation"]>[0] = {}) {
    telemetry = createTestTelemetry();
    store = await open({ instrumentation: telemetry.instrumentation(options) });
    return store;
  }

  it("traces a write, the handler of it and the handler's own write as one tree", async () => {
    const traced = await tracedStore();
    const subscription = traced.subscribe("acct", {
      consumer: "auditor",
      handlers: {
        Opened: async (message) => {
          await traced.write(`audit-${message.streamId}`, { type: "Audited" });
        },
      },
    });
    await subscription.start();
    await telemetry.tracer.startActiveSpan("request", async (request) => {
      await traced.write("acct-1", { type: "Opened", data: { owner: "ada" } });
      request.end();
    });
    const spans = await until("the handler's write", () => {
      const finished = telemetry.finished();
      return finished.some((span) => span.name === "write audit") ? finished : undefined;
    });
    await subscription.stop();

    const request = onlySpan(spans, "request");
    const write = onlySpan(spans, "write acct");
    const handle = await until("the process span", () =>
      telemetry.finished().find((span) => span.name === "process acct"),
    );
    const ownWrite = onlySpan(spans, "write audit");

    expect(write.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(write)).toBe(request.spanContext().spanId);
    expect(write.attributes).toMatchObject({
      "messaging.system": backend,
      "messaging.operation.type": "send",
      "messaging.operation.name": "write",
      "messaging.destination.name": "acct",
      "message_store.stream_name": "acct-1",
      "message_store.message_type": "Opened",
      "message_store.expected_version": "any",
      "message_store.position": 0,
    });
    expect(write.attributes["message_store.global_position"]).toBeGreaterThan(0);

    expect(handle.kind).toBe(SpanKind.CONSUMER);
    expect(handle.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(handle)).toBe(write.spanContext().spanId);
    expect(handle.links.map((link) => link.context.spanId)).toEqual([write.spanContext().spanId]);
    expect(handle.attributes).toMatchObject({
      "messaging.operation.type": "process",
      "messaging.destination.name": "acct",
      "messaging.consumer.group.name": "auditor",
      "message_store.stream_name": "acct-1",
      "message_store.position": 0,
      "message_store.attempt": 1,
      "message_store.outcome": "ack",
    });

    expect(ownWrite.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(ownWrite)).toBe(handle.spanContext().spanId);

    // The context travelled in the message's metadata.
    const [stored] = await traced.get("acct-1");
    expect(stored?.metadata[TRACE_CONTEXT_METADATA_KEY]).toEqual({
      traceparent: `00-${write.spanContext().traceId}-${write.spanContext().spanId}-01`,
    });
  });

  it("shows each retry and the dead letter, as spans and as metrics", async () => {
    const traced = await tracedStore();
    const subscription = traced.subscribe("job", {
      consumer: "worker",
      maxAttempts: 2,
      retryDelay: 0,
      deadLetter: "dlq",
      handlers: {
        Run: () => {
          throw new Error("boom");
        },
      },
    });
    await subscription.start();
    await traced.write("job-1", { type: "Run" });
    const attempts = await until("two attempts", () => {
      const found = telemetry.finished().filter((span) => span.name === "process job");
      return found.length === 2 ? found : undefined;
    });
    await subscription.stop();
    const [first, second] = attempts.sort(
      (a, b) =>
        Number(a.attributes["message_store.attempt"]) -
        Number(b.attributes["message_store.attempt"]),
    );
    expect(first?.attributes).toMatchObject({
      "message_store.attempt": 1,
      "message_store.outcome": "retry",
    });
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: "boom" });
    expect(first?.events.map((event) => event.name)).toEqual(["exception"]);
    expect(second?.attributes).toMatchObject({
      "message_store.attempt": 2,
      "message_store.outcome": "dead-letter",
      "message_store.dead_letter.reason": "failed",
    });
    const consumer = { "message_store.consumer": "worker" };
    expect(await telemetry.sum("message_store.consumer.deliveries", consumer)).toBe(1);
    expect(await telemetry.sum("message_store.consumer.attempts", consumer)).toBe(2);
    expect(await telemetry.sum("message_store.consumer.retries", consumer)).toBe(1);
    expect(await telemetry.sum("message_store.consumer.dead_letters", consumer)).toBe(1);
    const durations = (await telemetry.metrics()).get("message_store.handler.duration");
    expect(durations?.dataPoints.length).toBeGreaterThan(0);
  });

  it("gives a sampler the messaging attributes at each span's start", async () => {
    telemetry = createTestTelemetry();
    const seen: { name: string; attributes: Attributes }[] = [];
    const dropAll: Sampler = {
      shouldSample(_context, _traceId, name, _kind, attributes) {
        seen.push({ name, attributes: { ...attributes } });
        return { decision: SamplingDecision.NOT_RECORD };
      },
    };
    const exporter = new InMemorySpanExporter();
    const sampled = new BasicTracerProvider({
      sampler: dropAll,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const { otelInstrumentation } = await import("../../src/otel/index.ts");
    const { propagator, meterProvider } = telemetry;
    const traced = await open({
      instrumentation: otelInstrumentation({ tracerProvider: sampled, propagator, meterProvider }),
    });
    store = traced;
    const handled: string[] = [];
    const subscription = traced.subscribe("acct", {
      consumer: "auditor",
      handlers: { Opened: (message) => void handled.push(message.id) },
    });
    await subscription.start();
    await traced.write("acct-1", { type: "Opened" });
    await until("the handler", () => handled[0]);
    await subscription.stop();
    expect(seen).toEqual([
      {
        name: "write acct",
        attributes: {
          "messaging.system": backend,
          "messaging.operation.type": "send",
          "messaging.operation.name": "write",
          "messaging.destination.name": "acct",
        },
      },
      {
        name: "process acct",
        attributes: {
          "messaging.system": backend,
          "messaging.operation.type": "process",
          "messaging.operation.name": "process",
          "messaging.destination.name": "acct",
        },
      },
    ]);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await sampled.shutdown();
  });

  it("counts writes and conflicts per category and records write latency", async () => {
    const traced = await tracedStore();
    await traced.write("acct-1", [{ type: "A" }, { type: "B" }]);
    await traced.write("acct-2", { type: "A" });
    await expect(traced.write("acct-1", { type: "C" }, { expectedVersion: 0 })).rejects.toThrow();
    const category = { "message_store.category": "acct" };
    expect(await telemetry.sum("message_store.writes", category)).toBe(3);
    expect(await telemetry.sum("message_store.write.conflicts", category)).toBe(1);
    const latency = (await telemetry.metrics()).get("message_store.write.duration");
    const point = latency?.dataPoints[0]?.value;
    expect(
      point !== undefined && typeof point === "object" && "count" in point ? point.count : 0,
    ).toBe(2);
    const failed = telemetry.finished().filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed.map((span) => span.name)).toEqual(["write acct"]);
  });

  it("observes each consumer's lag and the age of its oldest unhandled message", async () => {
    const traced = await tracedStore();
    await traced.write("acct-1", [{ type: "A" }, { type: "B" }]);
    await traced.write("acct-2", { type: "A" });
    await traced.resetConsumer("acct", "balances", "beginning");
    const observer = observeConsumerLag(traced, { meterProvider: telemetry.meterProvider });
    const consumer = { "message_store.consumer": "balances", "message_store.category": "acct" };
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await telemetry.sum("message_store.consumer.lag", consumer)).toBe(3);
    expect(
      await telemetry.sum("message_store.consumer.oldest_pending_age", consumer),
    ).toBeGreaterThanOrEqual(20);

    const subscription = traced.subscribe("acct", { consumer: "balances", handlers: {} });
    await subscription.start();
    await until("the consumer to catch up", async () =>
      (await traced.consumerInfo("acct", "balances"))?.lag === 0 ? true : undefined,
    );
    await subscription.stop();
    expect(await telemetry.sum("message_store.consumer.lag", consumer)).toBe(0);
    expect(await telemetry.sum("message_store.consumer.oldest_pending_age", consumer)).toBe(0);
    observer.stop();
  });

  it("traces fetch with the version it found", async () => {
    const traced = await tracedStore();
    await traced.write("acct-1", [
      { type: "Deposited", data: 5 },
      { type: "Deposited", data: 7 },
    ]);
    const { state } = await traced.fetch("acct-1", {
      init: 0,
      handlers: { Deposited: (total: number, message) => total + Number(message.data) },
    });
    expect(state).toBe(12);
    const fetch = onlySpan(telemetry.finished(), "fetch acct");
    expect(fetch.kind).toBe(SpanKind.INTERNAL);
    expect(fetch.attributes).toMatchObject({
      "message_store.stream_name": "acct-1",
      "message_store.version": 1,
      "message_store.message_count": 2,
    });
  });

  it("traces each consume() item as an attempt, parented by the writer, children inside inTrace", async () => {
    const traced = await tracedStore();
    await traced.write("job-1", { type: "Run" });
    const write = onlySpan(telemetry.finished(), "write job");
    const items = traced.consume("job", { consumer: "puller", maxAttempts: 2, retryDelay: 0 });
    for await (const item of items) {
      if (item.attempt === 1) {
        item.nak();
        continue;
      }
      await item.inTrace(() => traced.write("done-1", { type: "Done" }));
      await item.ack();
      break;
    }
    const attempts = telemetry.finished().filter((span) => span.name === "process job");
    expect(attempts.map((span) => span.attributes["message_store.outcome"])).toEqual([
      "retry",
      "ack",
    ]);
    for (const span of attempts) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(span)).toBe(write.spanContext().spanId);
      expect(span.links.map((link) => link.context.spanId)).toEqual([write.spanContext().spanId]);
      expect(span.attributes["message_store.consumer"]).toBe("puller");
    }
    expect(attempts[0]?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "naked on attempt 1 of 2",
    });
    const done = onlySpan(telemetry.finished(), "write done");
    expect(parentOf(done)).toBe(attempts[1]?.spanContext().spanId);
    const consumer = { "message_store.consumer": "puller" };
    expect(await telemetry.sum("message_store.consumer.attempts", consumer)).toBe(2);
    expect(await telemetry.sum("message_store.consumer.retries", consumer)).toBe(1);
  });

  it("ends a consume() item left unsettled by leaving the loop as a retry", async () => {
    const traced = await tracedStore();
    await traced.write("job-1", { type: "Run" });
    for await (const _item of traced.consume("job", { consumer: "leaver" })) break;
    const span = onlySpan(telemetry.finished(), "process job");
    expect(span.attributes["message_store.outcome"]).toBe("retry");
    expect(span.status.message).toBe("not acked, naked or terminated before the loop ended");
  });

  it("traces entity loads and command handling, the command's load and write inside it", async () => {
    const traced = await tracedStore();
    const accounts = traced.entities({
      category: "account",
      init: 0,
      handlers: {
        Deposited: (total: number, message: RecordedMessage) => total + Number(message.data),
      },
    });
    await traced.write("account-1", { type: "Deposited", data: 5 });
    expect((await accounts.fetch("1")).state).toBe(5);
    const firstLoad = onlySpan(telemetry.finished(), "load account");
    expect(firstLoad.kind).toBe(SpanKind.INTERNAL);
    expect(firstLoad.attributes).toMatchObject({
      "message_store.stream_name": "account-1",
      "message_store.entity.cached": false,
      "message_store.version": 0,
    });
    telemetry.spans.reset();

    const result = await traced.handle(
      "account-1",
      { id: "c0ffee00-0000-4000-8000-000000000001", type: "Deposit", data: 7 },
      { entity: accounts, decide: (command) => ({ type: "Deposited", data: command.data }) },
    );
    expect(result.version).toBe(1);
    const handle = onlySpan(telemetry.finished(), "handle account");
    expect(handle.attributes).toMatchObject({
      "message_store.stream_name": "account-1",
      "message_store.command.type": "Deposit",
      "message_store.command.id": "c0ffee00-0000-4000-8000-000000000001",
      "message_store.version": 1,
      "message_store.event_count": 1,
      "message_store.duplicate": false,
    });
    const write = onlySpan(telemetry.finished(), "write account");
    expect(parentOf(write)).toBe(handle.spanContext().spanId);

    // A command on an entity not in the cache loads it, inside the command's span.
    telemetry.spans.reset();
    const cold = traced.entities({ category: "account", init: 0, handlers: {} });
    await cold.handle(
      "2",
      { type: "Deposit", data: 2 },
      {
        decide: (command) => ({ type: "Deposited", data: command.data }),
      },
    );
    const coldHandle = onlySpan(telemetry.finished(), "handle account");
    const load = onlySpan(telemetry.finished(), "load account");
    expect(parentOf(load)).toBe(coldHandle.spanContext().spanId);
    expect(load.attributes).toMatchObject({
      "message_store.stream_name": "account-2",
      "message_store.entity.cached": false,
      "message_store.version": -1,
    });
  });

  it("ends a command's span as an error when its decision throws", async () => {
    const traced = await tracedStore();
    const accounts = traced.entities({ category: "account", init: 0, handlers: {} });
    await expect(
      accounts.handle(
        "1",
        { type: "Deposit" },
        {
          decide: () => {
            throw new Error("refused");
          },
        },
      ),
    ).rejects.toThrow("refused");
    const handle = onlySpan(telemetry.finished(), "handle account");
    expect(handle.status).toEqual({ code: SpanStatusCode.ERROR, message: "refused" });
    expect(handle.events.map((event) => event.name)).toEqual(["exception"]);
  });

  it("records nothing and writes no trace context when tracing is off", async () => {
    telemetry = createTestTelemetry();
    store = await open({});
    const handled: string[] = [];
    const subscription = store.subscribe("acct", {
      consumer: "plain",
      handlers: { Opened: (message) => void handled.push(message.id) },
    });
    await subscription.start();
    await telemetry.tracer.startActiveSpan("request", async (request) => {
      await store?.write("acct-1", { type: "Opened" });
      request.end();
    });
    await until("the handler", () => handled[0]);
    await subscription.stop();
    expect(telemetry.finished().map((span) => span.name)).toEqual(["request"]);
    const [stored] = await store.get("acct-1");
    expect(stored?.metadata).toEqual({});
  });

  it("writes no trace context when instrumented but no span is recording", async () => {
    // The instrumentation is on, the SDK is not: the API's no-op tracer makes invalid spans.
    const { otelInstrumentation } = await import("../../src/otel/index.ts");
    telemetry = createTestTelemetry();
    store = await open({ instrumentation: otelInstrumentation() });
    await store.write("acct-1", { type: "Opened" });
    const [stored] = await store.get("acct-1");
    expect(stored?.metadata).toEqual({});
  });
});
