/**
 * `otelInstrumentation()`: the core's `Instrumentation` hook done with OpenTelemetry. A write
 * is a producer span whose context travels with the message (see `carrier.ts`); each handler
 * attempt is a consumer span (see `consumer-spans.ts`); a fetch and an entity load are
 * internal spans; a command is an internal span that its loads and writes run inside.
 * With no SDK registered every call lands on the API's no-op tracer and meter.
 */
import { type Context, context, type Span, type Tracer, trace } from "@opentelemetry/api";
import type { WriteResult } from "../backend-records.ts";
import { isExpectedVersionError } from "../errors.ts";
import type {
  CommandScope,
  ConsumerInstrumentation,
  FetchScope,
  Instrumentation,
  InstrumentedCommand,
  InstrumentedConsumer,
  InstrumentedFetch,
  InstrumentedLoad,
  InstrumentedWrite,
  LoadScope,
  TraceCarrier,
  WriteScope,
} from "../instrumentation.ts";
import { outgoing } from "./carrier.ts";
import { ConsumerSpans, failSpan } from "./consumer-spans.ts";
import { createStoreMetrics, type StoreMetrics } from "./metrics.ts";
import { TRACER_NAME } from "./names.ts";
import { type OtelOptions, type ResolvedOtelOptions, resolveOtelOptions } from "./options.ts";
import { contextFor, runIn } from "./span-scope.ts";
import {
  commandShape,
  fetchShape,
  loadShape,
  writeResultAttributes,
  writeShape,
} from "./span-shapes.ts";
import { ZENCASTR_TRACER_NAME } from "./zencastr-names.ts";

/** Tracing and metrics for a store: `connect(url, { instrumentation: otelInstrumentation() })`. */
export function otelInstrumentation(options: OtelOptions = {}): Instrumentation {
  return new OtelInstrumentation(resolveOtelOptions(options));
}

class OtelInstrumentation implements Instrumentation {
  readonly #options: ResolvedOtelOptions;
  readonly #storeTracer: Tracer;
  readonly #zencastrTracer: Tracer;
  readonly #metrics: StoreMetrics;

  constructor(options: ResolvedOtelOptions) {
    this.#options = options;
    this.#storeTracer = options.tracerProvider.getTracer(TRACER_NAME);
    this.#zencastrTracer = options.tracerProvider.getTracer(ZENCASTR_TRACER_NAME);
    this.#metrics = createStoreMetrics(options.meterProvider);
  }

  #tracer(zencastr: boolean): Tracer {
    return zencastr ? this.#zencastrTracer : this.#storeTracer;
  }

  write(write: InstrumentedWrite): WriteScope {
    const zencastr = this.#options.isZencastr(write.category);
    const shape = writeShape(write, zencastr);
    const parent = context.active();
    const span = this.#tracer(zencastr).startSpan(shape.name, shape, parent);
    if (span.isRecording()) span.setAttributes(shape.details);
    const carried = outgoing(
      this.#options.propagator,
      trace.setSpan(parent, span),
      this.#options.propagationOf(write.category),
    );
    return new WriteSpan(span, write, zencastr, this.#metrics, carried);
  }

  consumer(consumer: InstrumentedConsumer): ConsumerInstrumentation {
    return new ConsumerSpans(
      {
        propagator: this.#options.propagator,
        metrics: this.#metrics,
        isZencastr: this.#options.isZencastr,
        tracer: (zencastr) => this.#tracer(zencastr),
      },
      consumer,
    );
  }

  fetch(fetch: InstrumentedFetch): FetchScope {
    const shape = fetchShape(fetch);
    const span = this.#storeTracer.startSpan(shape.name, shape, context.active());
    return {
      end(result) {
        span.setAttributes({
          "message_store.version": result.version,
          "message_store.message_count": result.messages,
        });
        span.end();
      },
      fail: (error) => endFailed(span, error),
    };
  }

  load(load: InstrumentedLoad): LoadScope {
    const shape = loadShape(load);
    const span = this.#storeTracer.startSpan(shape.name, shape, context.active());
    return {
      end(result) {
        span.setAttribute("message_store.version", result.version);
        span.end();
      },
      fail: (error) => endFailed(span, error),
    };
  }

  command(command: InstrumentedCommand): CommandScope {
    const shape = commandShape(command);
    const parent = context.active();
    const span = this.#storeTracer.startSpan(shape.name, shape, parent);
    const active: Context | undefined = contextFor(parent, span);
    return {
      run: (work, ...args) => runIn(active, work, args),
      end(result) {
        span.setAttributes({
          "message_store.version": result.version,
          "message_store.event_count": result.events,
          "message_store.duplicate": result.duplicate,
        });
        span.end();
      },
      fail: (error) => endFailed(span, error),
    };
  }
}

/** A write's span: one object per write, ended with its result or its failure. */
class WriteSpan implements WriteScope {
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly headers: TraceCarrier | undefined;
  readonly #span: Span;
  readonly #write: InstrumentedWrite;
  readonly #zencastr: boolean;
  readonly #metrics: StoreMetrics;
  readonly #startedAt = performance.now();

  constructor(
    span: Span,
    write: InstrumentedWrite,
    zencastr: boolean,
    metrics: StoreMetrics,
    carried: { metadata: WriteSpan["metadata"]; headers: WriteSpan["headers"] },
  ) {
    this.#span = span;
    this.#write = write;
    this.#zencastr = zencastr;
    this.#metrics = metrics;
    this.metadata = carried.metadata;
    this.headers = carried.headers;
  }

  end(result: WriteResult): void {
    const write = this.#write;
    if (this.#span.isRecording())
      this.#span.setAttributes(writeResultAttributes(write, result, this.#zencastr));
    this.#span.end();
    this.#metrics.wrote(write.category, performance.now() - this.#startedAt, write.messageCount);
  }

  fail(error: unknown): void {
    if (isExpectedVersionError(error)) this.#metrics.conflicted(this.#write.category);
    endFailed(this.#span, error);
  }
}

function endFailed(span: Span, error: unknown): void {
  failSpan(span, error);
  span.end();
}
