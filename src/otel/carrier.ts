/**
 * The trace context beside a message: written into its metadata (`traceContext`), its NATS
 * headers, or both (see `Propagation`), and read back from headers first, then metadata, so a
 * consumer here continues a trace whichever way the writer sent it. Both are read in place,
 * through getters, without copying them per message.
 */
import {
  type Context,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import type { TraceCarrier } from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
import type { Propagation } from "./options.ts";

/** The metadata key that holds the trace context. */
export const TRACE_CONTEXT_METADATA_KEY = "traceContext";

export interface OutgoingContext {
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly headers: TraceCarrier | undefined;
}

const NOTHING_TO_CARRY: OutgoingContext = { metadata: undefined, headers: undefined };

/** The writer's context in the places `choice` names; nothing when the propagator writes nothing. */
export function outgoing(
  propagator: TextMapPropagator,
  context: Context,
  choice: Propagation,
): OutgoingContext {
  const carrier: TraceCarrier = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  if (isEmpty(carrier)) return NOTHING_TO_CARRY;
  return {
    metadata: choice === "headers" ? undefined : { [TRACE_CONTEXT_METADATA_KEY]: carrier },
    headers: choice === "metadata" ? undefined : carrier,
  };
}

/** The writer's context: from the headers when they carry one, else from the metadata. */
export function incoming(
  propagator: TextMapPropagator,
  message: RecordedMessage,
  headers: Readonly<TraceCarrier> | undefined,
): Context {
  if (
    headers !== undefined &&
    propagator.fields().some((field) => headerGetter.get(headers, field) !== undefined)
  )
    return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  const stored = message.metadata[TRACE_CONTEXT_METADATA_KEY];
  if (!isRecord(stored)) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, stored, metadataGetter);
}

/** Stored metadata is any JSON: only string values are a propagator's fields. */
const metadataGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === "string" ? value : undefined;
  },
};

/** NATS header names keep the case they were sent with; propagators ask in lower case. */
const headerGetter: TextMapGetter<Readonly<TraceCarrier>> = {
  keys: (carrier) => Object.keys(carrier).map((key) => key.toLowerCase()),
  get: (carrier, key) => {
    const exact = carrier[key];
    if (exact !== undefined) return exact;
    for (const name in carrier) if (name.toLowerCase() === key) return carrier[name];
    return undefined;
  },
};

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isEmpty(carrier: TraceCarrier): boolean {
  for (const _ in carrier) return false;
  return true;
}
