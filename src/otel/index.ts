/**
 * `message-store/otel`: OpenTelemetry traces and metrics for a store. Needs
 * `@opentelemetry/api` (an optional peer dependency); the main entry never loads it.
 *
 * ```ts
 * const store = await connect(url, { instrumentation: otelInstrumentation() });
 * ```
 */
export { TRACE_CONTEXT_METADATA_KEY } from "./carrier.ts";
export {
  type ConsumerLagObserver,
  type ConsumerLagOptions,
  observeConsumerLag,
} from "./consumer-lag.ts";
export { otelInstrumentation } from "./instrumentation.ts";
export { METER_NAME, TRACER_NAME } from "./names.ts";
export type { OtelOptions, Propagation } from "./options.ts";
export { lowCardinalitySubject, ZENCASTR_TRACER_NAME } from "./zencastr-names.ts";
