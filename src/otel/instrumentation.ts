/**
 * `otelInstrumentation()`: the core's `Instrumentation` hook done with OpenTelemetry. A write
 * is a producer span whose context travels with the message (see `carrier.ts`); each handler
 * attempt is a consumer span, parented by and linked to the writer's span, active while the
 * handler runs so that the handler's own writes are its children; a fetch is an internal span.
 * With no SDK registered every call lands on the API's no-op tracer and meter.
 */
import {
  context,
  type Link,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { isExpectedVersionError } from "../errors.ts";
import type {
  AttemptOutcome,
  AttemptScope,
  FetchScope,
  Instrumentation,
  InstrumentedAttempt,
  InstrumentedFetch,
  InstrumentedWrite,
  WriteScope,
} from "../instrumentation.ts";
import { incoming, outgoing } from "./carrier.ts";
import { createStoreMetrics, type StoreMetrics } from "./metrics.ts";
import { TRACER_NAME } from "./names.ts";
import { type OtelOptions, type ResolvedOtelOptions, resolveOtelOptions } from "./options.ts";
import {
  attemptShape,
  fetchShape,
  queueWaitAttributes,
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
    const active = trace.setSpan(parent, span);
    const carried = outgoing(
      this.#options.propagator,
      active,
      this.#options.propagationOf(write.category),
    );
    const startedAt = performance.now();
    const metrics = this.#metrics;
    return {
      metadata: carried.metadata,
      headers: carried.headers,
      end(result) {
        span.setAttributes(writeResultAttributes(write, result, zencastr));
        span.end();
        metrics.wrote(write.category, performance.now() - startedAt, write.messageCount);
      },
      fail(error) {
        if (isExpectedVersionError(error)) metrics.conflicted(write.category);
        failSpan(span, error);
        span.end();
      },
    };
  }

  attempt(attempt: InstrumentedAttempt): AttemptScope {
    const { message, consumer } = attempt;
    const zencastr = this.#options.isZencastr(message.category);
    const tracer = this.#tracer(zencastr);
    const writer = incoming(this.#options.propagator, message, attempt.headers);
    const writerSpan = trace.getSpanContext(writer);
    const links: Link[] =
      writerSpan !== undefined && trace.isSpanContextValid(writerSpan)
        ? [{ context: writerSpan }]
        : [];
    const shape = attemptShape(attempt, zencastr);
    const span = tracer.startSpan(shape.name, { ...shape, links }, writer);
    const active = trace.setSpan(writer, span);
    if (zencastr) {
      const storedAt = message.time.getTime();
      const dwellMs = Date.now() - storedAt;
      tracer
        .startSpan(
          "queue_wait",
          { startTime: message.time, attributes: queueWaitAttributes(attempt, dwellMs) },
          active,
        )
        .end();
    }
    this.#metrics.attempted(consumer, message.category, attempt.attempt);
    const startedAt = performance.now();
    const metrics = this.#metrics;
    return {
      run: (work) =>
        context.with(active, async () => {
          try {
            await work();
          } catch (error) {
            failSpan(span, error);
            throw error;
          }
        }),
      end(outcome: AttemptOutcome) {
        span.setAttribute("message_store.outcome", outcome.kind);
        if (outcome.kind !== "ack") {
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
          if (outcome.kind !== "retry")
            span.setAttribute("message_store.dead_letter.reason", outcome.reason);
        }
        span.end();
        metrics.handled(consumer, message.category, performance.now() - startedAt, outcome);
      },
    };
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
      fail(error) {
        failSpan(span, error);
        span.end();
      },
    };
  }
}

function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
