/**
 * The trace context beside a message: written into its metadata (`traceContext`), its NATS
 * headers, or both (see `Propagation`), and read back from headers first, then metadata, so a
 * consumer here continues a trace whichever way the writer sent it.
 */
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
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

/** The writer's context in the places `choice` names; nothing when the propagator writes nothing. */
export function outgoing(
  propagator: TextMapPropagator,
  context: Context,
  choice: Propagation,
): OutgoingContext {
  const carrier: TraceCarrier = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  if (Object.keys(carrier).length === 0) return { metadata: undefined, headers: undefined };
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
  const fromHeaders = headers === undefined ? undefined : lowerCased(headers);
  if (fromHeaders !== undefined && propagator.fields().some((field) => field in fromHeaders))
    return propagator.extract(ROOT_CONTEXT, fromHeaders, defaultTextMapGetter);
  const stored = message.metadata[TRACE_CONTEXT_METADATA_KEY];
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return ROOT_CONTEXT;
  const carrier: TraceCarrier = {};
  for (const [key, value] of Object.entries(stored)) {
    if (typeof value === "string") carrier[key] = value;
  }
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/** NATS header names keep the case they were sent with; propagators ask in lower case. */
function lowerCased(headers: Readonly<TraceCarrier>): TraceCarrier {
  const carrier: TraceCarrier = {};
  for (const [key, value] of Object.entries(headers)) carrier[key.toLowerCase()] = value;
  return carrier;
}
