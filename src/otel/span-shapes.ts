/**
 * What each span is called and carries, in two shapes: the store's own (OpenTelemetry
 * messaging conventions plus `message_store.*` attributes) and Zencastr's, for categories
 * shared with its Python services. Pure functions of the hook's arguments.
 */
import { type Attributes, SpanKind } from "@opentelemetry/api";
import type { WriteResult } from "../backend-records.ts";
import type {
  InstrumentedAttempt,
  InstrumentedFetch,
  InstrumentedWrite,
} from "../instrumentation.ts";
import { entitySubject, filterSubject, lowCardinalitySubject } from "./zencastr-names.ts";

export interface SpanShape {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
}

export function writeShape(write: InstrumentedWrite, zencastr: boolean): SpanShape {
  const store: Attributes = {
    "message_store.stream_name": write.streamName,
    "message_store.message_type": write.messageType,
    "message_store.expected_version": String(write.expectedVersion),
  };
  if (write.messageCount > 1) store["messaging.batch.message_count"] = write.messageCount;
  if (zencastr) {
    const subject = entitySubject(write.store.prefix, write.category, write.streamId);
    return {
      name: `nats publish ${lowCardinalitySubject(subject)}`,
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation": "publish",
        "messaging.destination.name": subject,
        "messaging.message.body.type": write.messageType,
        ...store,
      },
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
      ...store,
    },
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
    // Zencastr reads these from the publish acknowledgement; here the stream is named by the
    // store's rule (`{prefix}-{category}`) and the sequence is the global position.
    attributes["messaging.nats.stream"] = storageName(write.store.prefix, write.category);
    attributes["messaging.message.seq"] = result.globalPosition;
  }
  return attributes;
}

function storageName(prefix: string, category: string): string {
  return prefix === "" ? category : `${prefix}-${category}`;
}

export function attemptShape(attempt: InstrumentedAttempt, zencastr: boolean): SpanShape {
  const { message, consumer } = attempt;
  const store: Attributes = {
    "message_store.stream_name": message.streamName,
    "message_store.position": message.position,
    "message_store.global_position": message.globalPosition,
    "message_store.message_type": message.type,
    "message_store.consumer": consumer,
    "message_store.attempt": attempt.attempt,
    "message_store.max_attempts": attempt.maxAttempts,
  };
  if (zencastr) {
    const streamTarget = attempt.target !== message.category;
    const filter = filterSubject(
      attempt.store.prefix,
      message.category,
      streamTarget ? message.streamId : undefined,
    );
    return {
      name: `nats process ${filter} (${consumer})`,
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation": "process",
        "messaging.destination.name": attempt.subject,
        "messaging.message.seq": message.globalPosition,
        "messaging.message.body.type": message.type,
        "messaging.nats.consumer": consumer,
        "messaging.nats.stream": attempt.storage,
        "messaging.nats.redelivery_count": attempt.attempt,
        ...zencastrMetadataAttributes(message.metadata),
        ...store,
      },
    };
  }
  return {
    name: `process ${message.category}`,
    kind: SpanKind.CONSUMER,
    attributes: {
      "messaging.system": attempt.store.backend,
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": message.category,
      "messaging.destination.subscription.name": consumer,
      "messaging.consumer.group.name": consumer,
      "messaging.message.id": message.id,
      ...store,
    },
  };
}

/**
 * The causation facts Zencastr services keep in metadata: `originSubject`, the Python
 * zen-log's `traceId`, and the JS zen-log's `__zenlog.traceId`, each only when present.
 */
function zencastrMetadataAttributes(metadata: Readonly<Record<string, unknown>>): Attributes {
  const attributes: Attributes = {};
  const { originSubject, traceId, __zenlog: zenlog } = metadata;
  if (typeof originSubject === "string")
    attributes["messaging.message.body.metadata.originSubject"] = originSubject;
  if (typeof traceId === "string") attributes["messaging.message.body.metadata.traceId"] = traceId;
  if (zenlog !== null && typeof zenlog === "object" && "traceId" in zenlog) {
    const nested = zenlog.traceId;
    if (typeof nested === "string")
      attributes["messaging.message.body.metadata.__zenlog.traceId"] = nested;
  }
  return attributes;
}

/** Zencastr's backdated span: from the moment the message was stored to its delivery. */
export function queueWaitAttributes(attempt: InstrumentedAttempt, dwellMs: number): Attributes {
  return {
    "messaging.system": "nats",
    "messaging.nats.stream": attempt.storage,
    "messaging.nats.consumer": attempt.consumer,
    "messaging.nats.dwell_ms": dwellMs,
    "messaging.nats.redelivery_count": attempt.attempt,
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
