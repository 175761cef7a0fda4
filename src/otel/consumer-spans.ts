/**
 * A consumer's spans: one consumer span per handler attempt, parented by and linked to the
 * writer's span, active while the handler runs so that the handler's own writes become its
 * children. This runs once per attempt, so whatever is the same for every attempt (span name,
 * tracer, metric attribute sets) is worked out once per consumer, and an attempt is one
 * object, not a set of closures.
 */
import {
  type Attributes,
  type Context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type {
  AttemptOutcome,
  AttemptScope,
  ConsumerInstrumentation,
  InstrumentedConsumer,
  StoredFacts,
} from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
import { incoming } from "./carrier.ts";
import type { ConsumerMetrics, StoreMetrics } from "./metrics.ts";
import { contextFor, runIn } from "./span-scope.ts";
import {
  attemptAttributes,
  attemptSpanName,
  attemptStartAttributes,
  queueWaitAttributes,
} from "./span-shapes.ts";

/** What a consumer needs of the instrumentation that made it. */
export interface ConsumerSpanParts {
  readonly propagator: TextMapPropagator;
  readonly metrics: StoreMetrics;
  isZencastr(category: string): boolean;
  tracer(zencastr: boolean): Tracer;
}

/** Per consumer and category: made once, used by every attempt. */
interface CategoryFacts {
  readonly category: string;
  readonly zencastr: boolean;
  readonly tracer: Tracer;
  readonly spanName: string;
  /** What every attempt's span starts with; `undefined` when it depends on the message (Zencastr). */
  readonly startAttributes: Attributes | undefined;
  readonly metrics: ConsumerMetrics;
}

export class ConsumerSpans implements ConsumerInstrumentation {
  readonly #parts: ConsumerSpanParts;
  readonly #consumer: InstrumentedConsumer;
  /** The target's category: every message a consumer gets is of it. */
  readonly #facts: CategoryFacts;

  constructor(parts: ConsumerSpanParts, consumer: InstrumentedConsumer) {
    this.#parts = parts;
    this.#consumer = consumer;
    this.#facts = this.#factsOf(consumer.category);
  }

  attempt(message: RecordedMessage, attempt: number, stored: StoredFacts): AttemptScope {
    const facts =
      message.category === this.#facts.category ? this.#facts : this.#factsOf(message.category);
    const writer = incoming(this.#parts.propagator, message, stored.headers);
    const writerSpan = trace.getSpanContext(writer);
    const links: Link[] =
      writerSpan !== undefined && trace.isSpanContextValid(writerSpan)
        ? [{ context: writerSpan }]
        : [];
    const consumer = this.#consumer;
    const span = facts.tracer.startSpan(
      facts.spanName,
      {
        kind: SpanKind.CONSUMER,
        attributes:
          facts.startAttributes ??
          attemptStartAttributes(consumer, facts.category, stored, facts.zencastr),
        links,
      },
      writer,
    );
    const recording = span.isRecording();
    if (recording)
      span.setAttributes(attemptAttributes(consumer, message, attempt, stored, facts.zencastr));
    const active = contextFor(writer, span);
    if (facts.zencastr && recording) {
      const dwellMs = Date.now() - message.time.getTime();
      facts.tracer
        .startSpan(
          "queue_wait",
          {
            startTime: message.time,
            attributes: queueWaitAttributes(consumer.consumer, attempt, stored, dwellMs),
          },
          active ?? writer,
        )
        .end();
    }
    facts.metrics.attempted(attempt);
    return new AttemptSpan(span, active, facts.metrics);
  }

  #factsOf(category: string): CategoryFacts {
    const zencastr = this.#parts.isZencastr(category);
    return {
      category,
      zencastr,
      tracer: this.#parts.tracer(zencastr),
      spanName: attemptSpanName(this.#consumer, category, zencastr),
      startAttributes: zencastr
        ? undefined
        : attemptStartAttributes(this.#consumer, category, undefined, false),
      metrics: this.#parts.metrics.consumer(this.#consumer.consumer, category),
    };
  }
}

class AttemptSpan implements AttemptScope {
  readonly #span: Span;
  /** `undefined`: the handler runs where it is (see `contextFor`). */
  readonly #active: Context | undefined;
  readonly #metrics: ConsumerMetrics;
  readonly #startedAt = performance.now();

  constructor(span: Span, active: Context | undefined, metrics: ConsumerMetrics) {
    this.#span = span;
    this.#active = active;
    this.#metrics = metrics;
  }

  run<Args extends unknown[], Result>(work: (...args: Args) => Result, ...args: Args): Result {
    return runIn(this.#active, work, args);
  }

  fail(error: unknown): void {
    failSpan(this.#span, error);
  }

  end(outcome: AttemptOutcome): void {
    const span = this.#span;
    if (span.isRecording()) {
      span.setAttribute("message_store.outcome", outcome.kind);
      if (outcome.kind !== "ack") {
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
        if (outcome.kind !== "retry")
          span.setAttribute("message_store.dead_letter.reason", outcome.reason);
      }
    }
    span.end();
    this.#metrics.handled(performance.now() - this.#startedAt, outcome);
  }
}

/** Records `error` on `span` as an exception and an error status. */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  if (error instanceof Error) span.recordException(error);
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
