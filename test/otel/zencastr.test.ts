/**
 * Traces that cross into Zencastr's Python services and back. The Python wrapper
 * (`message-store-open-telemetry`) is replayed here with plain nats.js and the OTel API: it
 * publishes with W3C trace context in NATS headers under a `nats publish …` producer span, and
 * consumes by extracting that context from the headers into a `nats process …` consumer span.
 */

import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  type NatsConnection,
  connect as natsConnect,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type MessageStore } from "../../src/index.ts";
import { lowCardinalitySubject, ZENCASTR_TRACER_NAME } from "../../src/otel/index.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { createTestTelemetry, onlySpan, type TestTelemetry, until } from "../support/otel.ts";

const OBJECT_ID = "61dc61d8a5073a4d0b036cc5";
const CATEGORY = { category: "import-podcast" };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe("lowCardinalitySubject (Zencastr's rule)", () => {
  it("replaces ObjectId and UUID tokens, and nothing else", () => {
    expect(lowCardinalitySubject(`import-podcast:command.${OBJECT_ID}`)).toBe(
      "import-podcast:command.{id}",
    );
    expect(lowCardinalitySubject("audio-converter.6a44e534ece4b38845d87f81.file")).toBe(
      "audio-converter.{id}.file",
    );
    expect(lowCardinalitySubject("job.550e8400-e29b-41d4-a716-446655440000.done")).toBe(
      "job.{id}.done",
    );
    expect(lowCardinalitySubject("file:command.deadbeef")).toBe("file:command.deadbeef");
    expect(lowCardinalitySubject("platform.livestreams.heartbeats")).toBe(
      "platform.livestreams.heartbeats",
    );
  });
});

describe.skipIf(!hasNats())(
  `Zencastr-compatible tracing${hasNats() ? "" : ` (skipped: ${natsSkipReason()})`}`,
  () => {
    let connection: NatsConnection;
    let telemetry: TestTelemetry;
    let store: MessageStore | undefined;

    beforeAll(async () => {
      connection = await natsConnect({ servers: natsUrl() });
    });
    afterEach(async () => {
      await store?.close();
      store = undefined;
      await telemetry?.shutdown();
    });
    afterAll(async () => {
      await connection?.drain();
    });

    async function zencastrStore(prefix: string): Promise<MessageStore> {
      telemetry = createTestTelemetry();
      store = await connect(natsUrl(), {
        prefix,
        instrumentation: telemetry.instrumentation({ zencastr: ["import-podcast"] }),
      });
      await store.ensureCategory(CATEGORY, { positionGuard: false });
      return store;
    }

    it("continues a trace that a Zencastr service started with a publish", async () => {
      const prefix = uniquePrefix("otel_zc_in");
      const traced = await zencastrStore(prefix);
      const handled: string[] = [];
      const subscription = traced.subscribe(CATEGORY, {
        consumer: "importer",
        handlers: { VideoClipCreated: (message) => void handled.push(message.type) },
      });
      await subscription.start();

      // The Python wrapper's publish: a producer span, its context injected into headers.
      const subject = `${prefix}.import-podcast.${OBJECT_ID}`;
      const zencastr = telemetry.tracerProvider.getTracer(ZENCASTR_TRACER_NAME);
      const publish = zencastr.startSpan(`nats publish ${lowCardinalitySubject(subject)}`, {
        kind: SpanKind.PRODUCER,
      });
      const carrier: Record<string, string> = {};
      telemetry.propagator.inject(
        trace.setSpan(ROOT_CONTEXT, publish),
        carrier,
        defaultTextMapSetter,
      );
      const headers = natsHeaders();
      for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
      const body = `{"type": "VideoClipCreated", "data": {"clip": 1}, "metadata": {"originSubject": "clip:command", "traceId": "py-trace-123"}}`;
      await jetstream(connection).publish(subject, encoder.encode(body), { headers });
      publish.end();

      await until("the handler", () => handled[0]);
      const process = await until("the process span", () =>
        telemetry
          .finished()
          .find((span) => span.name === `nats process ${prefix}.import-podcast.> (importer)`),
      );
      await subscription.stop();
      const queueWait = onlySpan(telemetry.finished(), "queue_wait");

      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.instrumentationScope.name).toBe(ZENCASTR_TRACER_NAME);
      expect(process.spanContext().traceId).toBe(publish.spanContext().traceId);
      expect(process.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
      expect(process.links.map((link) => link.context.spanId)).toEqual([
        publish.spanContext().spanId,
      ]);
      expect(process.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.operation": "process",
        "messaging.destination.name": subject,
        "messaging.message.seq": 1,
        "messaging.message.body.type": "VideoClipCreated",
        "messaging.nats.consumer": "importer",
        "messaging.nats.stream": `${prefix}-import-podcast`,
        "messaging.nats.redelivery_count": 1,
        "messaging.message.body.metadata.originSubject": "clip:command",
        "messaging.message.body.metadata.traceId": "py-trace-123",
      });

      expect(queueWait.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
      expect(queueWait.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.nats.stream": `${prefix}-import-podcast`,
        "messaging.nats.consumer": "importer",
        "messaging.nats.redelivery_count": 1,
      });
      expect(queueWait.attributes["messaging.nats.dwell_ms"]).toBeGreaterThanOrEqual(0);
    });

    it("starts a trace that a Zencastr consumer continues from the headers", async () => {
      const prefix = uniquePrefix("otel_zc_out");
      const traced = await zencastrStore(prefix);
      await traced.write(
        { category: "import-podcast", id: OBJECT_ID },
        { type: "ImportRequested", data: { url: "x" } },
      );
      const publish = onlySpan(telemetry.finished(), `nats publish ${prefix}.import-podcast.{id}`);
      expect(publish.kind).toBe(SpanKind.PRODUCER);
      expect(publish.instrumentationScope.name).toBe(ZENCASTR_TRACER_NAME);
      expect(publish.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.operation": "publish",
        "messaging.destination.name": `${prefix}.import-podcast.${OBJECT_ID}`,
        "messaging.message.body.type": "ImportRequested",
        "messaging.nats.stream": `${prefix}-import-podcast`,
        "messaging.message.seq": 1,
      });

      // The Python wrapper's consume: read the message with plain nats.js, extract from headers.
      const manager = await jetstreamManager(connection);
      await manager.consumers.add(`${prefix}-import-podcast`, { durable_name: "python" });
      const consumer = await jetstream(connection).consumers.get(
        `${prefix}-import-podcast`,
        "python",
      );
      const delivered = await consumer.next({ expires: 5000 });
      if (delivered === null) throw new Error("no message for the Zencastr consumer");
      delivered.ack();
      const carrier: Record<string, string> = {};
      for (const [key, values] of delivered.headers ?? []) carrier[key] = values[0] ?? "";
      const parent = telemetry.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      const processSpan = telemetry.tracerProvider
        .getTracer(ZENCASTR_TRACER_NAME)
        .startSpan(
          `nats process ${prefix}.import-podcast.> (python)`,
          { kind: SpanKind.CONSUMER },
          parent,
        );
      processSpan.end();

      expect(processSpan.spanContext().traceId).toBe(publish.spanContext().traceId);
      expect(trace.getSpanContext(parent)?.spanId).toBe(publish.spanContext().spanId);
      // Headers only: the body Zencastr reads carries no trace context of ours.
      const stored = JSON.parse(decoder.decode(delivered.data));
      expect(stored.metadata).toBeUndefined();
      expect(stored.type).toBe("ImportRequested");
    });

    it("names the JetStream stream Zencastr created, not the store's rule, on writes and attempts", async () => {
      const prefix = uniquePrefix("otel_zc_name");
      const streamName = `ZC_IMPORTS_${prefix}`;
      const manager = await jetstreamManager(connection);
      // As a Zencastr service creates it: its own name, its own subjects, no layout mark.
      await manager.streams.add({ name: streamName, subjects: [`${prefix}.import-podcast.>`] });
      telemetry = createTestTelemetry();
      store = await connect(natsUrl(), {
        prefix,
        instrumentation: telemetry.instrumentation({ zencastr: ["import-podcast"] }),
      });
      await store.write(
        { category: "import-podcast", id: OBJECT_ID },
        { type: "ImportRequested", data: {} },
      );
      const publish = onlySpan(telemetry.finished(), `nats publish ${prefix}.import-podcast.{id}`);
      expect(publish.attributes["messaging.nats.stream"]).toBe(streamName);
      const subscription = store.subscribe(CATEGORY, {
        consumer: "importer",
        handlers: { ImportRequested: () => {} },
      });
      await subscription.start();
      const process = await until("the process span", () =>
        telemetry
          .finished()
          .find((span) => span.name === `nats process ${prefix}.import-podcast.> (importer)`),
      );
      await subscription.stop();
      expect(process.attributes["messaging.nats.stream"]).toBe(streamName);
      expect(onlySpan(telemetry.finished(), "queue_wait").attributes["messaging.nats.stream"]).toBe(
        streamName,
      );
      await manager.streams.delete(streamName);
    });

    it("puts the context in both places when a category asks for both", async () => {
      telemetry = createTestTelemetry();
      const prefix = uniquePrefix("otel_both");
      store = await connect(natsUrl(), {
        prefix,
        instrumentation: telemetry.instrumentation({ propagation: { acct: "both" } }),
      });
      await store.write("acct-1", { type: "Opened" });
      const write = onlySpan(telemetry.finished(), "write acct");
      const traceparent = `00-${write.spanContext().traceId}-${write.spanContext().spanId}-01`;
      const [stored] = await store.get("acct-1");
      expect(stored?.metadata).toEqual({ traceContext: { traceparent } });
      const manager = await jetstreamManager(connection);
      const raw = await manager.streams.getMessage(`${prefix}-acct`, { seq: 1 });
      expect(raw?.header.get("traceparent")).toBe(traceparent);
      const subscription = store.subscribe("acct", {
        consumer: "reader",
        handlers: { Opened: () => {} },
      });
      await subscription.start();
      const process = await until("the process span", () =>
        telemetry.finished().find((span) => span.name === "process acct"),
      );
      await subscription.stop();
      expect(process.parentSpanContext?.spanId).toBe(write.spanContext().spanId);
    });
  },
);
