/**
 * The store's instruments, made once per instrumentation. Per category: writes, conflicts and
 * write latency; per consumer: deliveries (first attempts), attempts, handler duration,
 * retries and dead letters. Lag is observed apart (`observeConsumerLag`), since it needs the
 * store to ask its backend.
 */
import type { Attributes, Counter, Histogram, MeterProvider } from "@opentelemetry/api";
import type { AttemptOutcome } from "../instrumentation.ts";
import { METER_NAME } from "./names.ts";

export interface StoreMetrics {
  wrote(category: string, durationMs: number, messages: number): void;
  conflicted(category: string): void;
  /** The instruments as one consumer of one category records them, attribute sets made once. */
  consumer(consumer: string, category: string): ConsumerMetrics;
}

export interface ConsumerMetrics {
  attempted(attempt: number): void;
  handled(durationMs: number, outcome: AttemptOutcome): void;
}

export function createStoreMetrics(provider: MeterProvider): StoreMetrics {
  const meter = provider.getMeter(METER_NAME);
  const writes: Counter = meter.createCounter("message_store.writes", {
    description: "Messages written, by category",
    unit: "{message}",
  });
  const conflicts: Counter = meter.createCounter("message_store.write.conflicts", {
    description: "Writes refused for a wrong expected version, by category",
    unit: "{write}",
  });
  const writeDuration: Histogram = meter.createHistogram("message_store.write.duration", {
    description: "Time a write took, retries of a blind write included",
    unit: "ms",
  });
  const deliveries = meter.createCounter("message_store.consumer.deliveries", {
    description: "Messages handed to a handler for the first time",
    unit: "{message}",
  });
  const attempts = meter.createCounter("message_store.consumer.attempts", {
    description: "Handler attempts, retries included",
    unit: "{attempt}",
  });
  const handlerDuration = meter.createHistogram("message_store.handler.duration", {
    description: "Time a handler attempt took",
    unit: "ms",
  });
  const retries = meter.createCounter("message_store.consumer.retries", {
    description: "Attempts that end in a redelivery",
    unit: "{attempt}",
  });
  const deadLetters = meter.createCounter("message_store.consumer.dead_letters", {
    description: "Messages given up: dead-lettered, or dropped when no dead-letter category is set",
    unit: "{message}",
  });
  // Categories are few; one attribute set each, rather than one per write.
  const byCategory = new Map<string, Attributes>();
  const categoryAttributes = (category: string): Attributes => {
    let attributes = byCategory.get(category);
    if (attributes === undefined) {
      attributes = { "message_store.category": category };
      byCategory.set(category, attributes);
    }
    return attributes;
  };
  return {
    wrote(category, durationMs, messages) {
      const attributes = categoryAttributes(category);
      writes.add(messages, attributes);
      writeDuration.record(durationMs, attributes);
    },
    conflicted(category) {
      conflicts.add(1, categoryAttributes(category));
    },
    consumer(consumer, category) {
      const attributes = { "message_store.consumer": consumer, "message_store.category": category };
      const outcomeAttributes = (kind: AttemptOutcome["kind"]): Attributes => ({
        ...attributes,
        "message_store.outcome": kind,
      });
      const handledBy = {
        ack: outcomeAttributes("ack"),
        retry: outcomeAttributes("retry"),
        "dead-letter": outcomeAttributes("dead-letter"),
        drop: outcomeAttributes("drop"),
      };
      return {
        attempted(attempt) {
          attempts.add(1, attributes);
          if (attempt === 1) deliveries.add(1, attributes);
        },
        handled(durationMs, outcome) {
          handlerDuration.record(durationMs, handledBy[outcome.kind]);
          if (outcome.kind === "retry") retries.add(1, attributes);
          else if (outcome.kind !== "ack")
            deadLetters.add(1, {
              ...handledBy[outcome.kind],
              "message_store.dead_letter.reason": outcome.reason,
            });
        },
      };
    },
  };
}
