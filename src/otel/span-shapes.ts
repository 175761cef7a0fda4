/**
 * What each span is called and carries, in two shapes: the store's own (OpenTelemetry
 * messaging conventions plus `message_store.*` attributes) and Zencastr's, for categories
 * shared with its Python services. Pure functions of the hook's arguments.
 */
import { type Attributes, SpanKind } from "@opentelemetry/api";
import type { WriteResult } from "../backend-records.ts";
import type {
  InstrumentedCommand,
  InstrumentedConsumer,
  InstrumentedFetch,
  InstrumentedLoad,
  InstrumentedWrite,
  StoredFacts,
} from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
import { entitySubject, filterSubject, lowCardinalitySubject } from "./zencastr-names.ts";

export interface SpanShape {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
}

/**
 * A hot span's shape (a write's, an attempt's): `attributes` are given at its start, and are
 * the ones the messaging conventions ask for at creation, since a sampler may decide on them;
 * `details` are set only once the span is known to record. The SDK copies and checks the
 * attributes a span starts with twice and those set later once, and a span that is sampled
 * out then builds nothing more.
 */
export interface HotSpanShape extends SpanShape {
  readonly details: Attributes;
}

export function writeShape(write: InstrumentedWrite, zencastr: boolean): HotSpanShape {
  const details: Attributes = {
    "message_store.stream_name": write.streamName,
    "message_store.message_type": write.messageType,
    "message_store.expected_version": String(write.expectedVersion),
  };
  if (write.messageCount > 1) details["messaging.batch.message_count"] = write.messageCount;
  if (zencastr) {
    const subject = entitySubject(write.store.prefix, write.category, write.streamId);
    details["messaging.message.body.type"] = write.messageType;
    return {
      name: `nats publish ${lowCardinalitySubject(subject)}`,
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation": "publish",
        "messaging.destination.name": subject,
      },
      details,
    };
  }
  return {
    name: `write ${write.category}`,
    kind: SpanKind.PRODUCER,
    attributes: {
      "messaging.system": write.store.backend,
      "messaging.operation.type": "send",
      "messaging.operation.name": "write",
      "messaging.destination.name": write.category,
    },
    details,
  };
}

export function writeResultAttributes(
  write: InstrumentedWrite,
  result: WriteResult,
  zencastr: boolean,
): Attributes {
  const attributes: Attributes = {
    "message_store.position": result.position,
    "message_store.global_position": result.globalPosition,
  };
  if (zencastr) {
    // Zencastr reads these from the publish acknowledgement: the stream the message went to
    // (which Zencastr may have made under its own name) and its sequence, the global position.
    attributes["messaging.nats.stream"] =
      write.store.storageOf(write.category) ?? storageName(write.store.prefix, write.category);
    attributes["messaging.message.seq"] = result.globalPosition;
  }
  return attributes;
}

/** The store's rule for a category's stream, for a backend that does not say (memory). */
function storageName(prefix: string, category: string): string {
  return prefix === "" ? category : `${prefix}-${category}`;
}

/** A consumer's span name, the same for each of its attempts. */
export function attemptSpanName(
  consumer: InstrumentedConsumer,
  category: string,
  zencastr: boolean,
): string {
  if (!zencastr) return `process ${category}`;
  const filter = filterSubject(consumer.store.prefix, category, consumer.streamId);
  return `nats process ${filter} (${consumer.consumer})`;
}

/**
 * The attributes an attempt's span starts with (see `HotSpanShape`). In the store's shape they
 * are the same for every attempt of a consumer, so it makes them once; in Zencastr's the
 * destination is the message's subject.
 */
export function attemptStartAttributes(
  consumer: InstrumentedConsumer,
  category: string,
  stored: StoredFacts | undefined,
  zencastr: boolean,
): Attributes {
  if (!zencastr)
    return {
      "messaging.system": consumer.store.backend,
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": category,
    };
  return {
    "messaging.system": "nats",
    "messaging.operation": "process",
    "messaging.destination.name": stored?.destination,
  };
}

/**
 * The rest of an attempt's attributes, set once its span records: one object literal of a
 * fixed shape per call, since this runs once per handler attempt.
 */
export function attemptAttributes(
  consumer: InstrumentedConsumer,
  message: RecordedMessage,
  attempt: number,
  stored: StoredFacts,
  zencastr: boolean,
): Attributes {
  const name = consumer.consumer;
  if (!zencastr)
    return {
      "messaging.destination.subscription.name": name,
      "messaging.consumer.group.name": name,
      "messaging.message.id": message.id,
      "message_store.stream_name": message.streamName,
      "message_store.position": message.position,
      "message_store.global_position": message.globalPosition,
      "message_store.message_type": message.type,
      "message_store.consumer": name,
      "message_store.attempt": attempt,
      "message_store.max_attempts": consumer.maxAttempts,
    };
  const attributes: Attributes = {
    "messaging.message.seq": message.globalPosition,
    "messaging.message.body.type": message.type,
    "messaging.nats.consumer": name,
    "messaging.nats.stream": stored.storage,
    "messaging.nats.redelivery_count": attempt,
    "message_store.stream_name": message.streamName,
    "message_store.position": message.position,
    "message_store.global_position": message.globalPosition,
    "message_store.message_type": message.type,
    "message_store.consumer": name,
    "message_store.attempt": attempt,
    "message_store.max_attempts": consumer.maxAttempts,
  };
  addZencastrMetadata(attributes, message.metadata);
  return attributes;
}

/**
 * The causation facts Zencastr services keep in metadata: `originSubject`, the Python
 * zen-log's `traceId`, and the JS zen-log's `__zenlog.traceId`, each only when present.
 */
function addZencastrMetadata(
  attributes: Attributes,
  metadata: Readonly<Record<string, unknown>>,
): void {
  const { originSubject, traceId, __zenlog: zenlog } = metadata;
  if (typeof originSubject === "string")
    attributes["messaging.message.body.metadata.originSubject"] = originSubject;
  if (typeof traceId === "string") attributes["messaging.message.body.metadata.traceId"] = traceId;
  if (zenlog !== null && typeof zenlog === "object" && "traceId" in zenlog) {
    const nested = zenlog.traceId;
    if (typeof nested === "string")
      attributes["messaging.message.body.metadata.__zenlog.traceId"] = nested;
  }
}

/** Zencastr's backdated span: from the moment the message was stored to its delivery. */
export function queueWaitAttributes(
  consumer: string,
  attempt: number,
  stored: StoredFacts,
  dwellMs: number,
): Attributes {
  return {
    "messaging.system": "nats",
    "messaging.nats.stream": stored.storage,
    "messaging.nats.consumer": consumer,
    "messaging.nats.dwell_ms": dwellMs,
    "messaging.nats.redelivery_count": attempt,
  };
}

export function fetchShape(fetch: InstrumentedFetch): SpanShape {
  return {
    name: `fetch ${fetch.category}`,
    kind: SpanKind.INTERNAL,
    attributes: {
      "messaging.system": fetch.store.backend,
      "messaging.operation.type": "receive",
      "messaging.operation.name": "fetch",
      "messaging.destination.name": fetch.category,
      "message_store.stream_name": fetch.streamName,
    },
  };
}

export function loadShape(load: InstrumentedLoad): SpanShape {
  return {
    name: `load ${load.category}`,
    kind: SpanKind.INTERNAL,
    attributes: {
      "message_store.category": load.category,
      "message_store.stream_name": load.streamName,
      "message_store.entity.cached": load.cached,
    },
  };
}

export function commandShape(command: InstrumentedCommand): SpanShape {
  const attributes: Attributes = {
    "message_store.category": command.category,
    "message_store.stream_name": command.streamName,
    "message_store.command.type": command.commandType,
  };
  if (command.commandId !== undefined) attributes["message_store.command.id"] = command.commandId;
  return { name: `handle ${command.category}`, kind: SpanKind.INTERNAL, attributes };
}
