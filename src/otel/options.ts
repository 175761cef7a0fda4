/**
 * The options of `otelInstrumentation()`, resolved once. Every category is traced in the
 * store's own shape unless it is shared with Zencastr's Python services, which trace in theirs
 * and read the trace context from NATS headers only.
 */
import {
  type MeterProvider,
  metrics,
  propagation,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { InvalidOptionsError } from "../errors.ts";
import { checkOptionKeys } from "../option-checks.ts";

/**
 * Where a write puts its trace context. `metadata`: in the message's metadata (`traceContext`),
 * free for readers. `headers`: in NATS headers, as Zencastr reads it; every read of such a
 * message is slower. `both`: for a category read by both kinds of consumer.
 */
export type Propagation = "metadata" | "headers" | "both";

export interface OtelOptions {
  /** @default the global tracer provider */
  tracerProvider?: TracerProvider | undefined;
  /** @default the global meter provider */
  meterProvider?: MeterProvider | undefined;
  /** How a trace context is written and read. @default the global propagator (W3C trace context once an SDK registers it) */
  propagator?: TextMapPropagator | undefined;
  /**
   * Categories shared with Zencastr's traced services: their spans take Zencastr's names,
   * attributes and tracer, and their trace context travels in headers. `true`: every category.
   * @default [] (none)
   */
  zencastr?: boolean | readonly string[] | undefined;
  /**
   * Where the trace context goes, by category, overriding the default: `headers` for Zencastr
   * categories, `metadata` for the others.
   * @default {}
   */
  propagation?: Readonly<Record<string, Propagation>> | undefined;
}

export interface ResolvedOtelOptions {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly propagator: TextMapPropagator;
  isZencastr(category: string): boolean;
  propagationOf(category: string): Propagation;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  "tracerProvider",
  "meterProvider",
  "propagator",
  "zencastr",
  "propagation",
]);
const PROPAGATIONS: ReadonlySet<string> = new Set(["metadata", "headers", "both"]);

export function resolveOtelOptions(options: OtelOptions = {}): ResolvedOtelOptions {
  checkOptionKeys(options, KNOWN_KEYS, "otelInstrumentation");
  const zencastr = options.zencastr ?? [];
  if (typeof zencastr !== "boolean" && !Array.isArray(zencastr))
    throw new InvalidOptionsError("zencastr must be a boolean or a list of categories");
  const zencastrCategories = new Set(typeof zencastr === "boolean" ? [] : zencastr);
  const byCategory = new Map(Object.entries(options.propagation ?? {}));
  for (const [category, choice] of byCategory) {
    if (!PROPAGATIONS.has(choice))
      throw new InvalidOptionsError(
        `propagation of ${category} must be "metadata", "headers" or "both", not ${JSON.stringify(choice)}`,
      );
  }
  const isZencastr = (category: string): boolean =>
    zencastr === true || zencastrCategories.has(category);
  return {
    tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
    meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
    propagator: options.propagator ?? propagation,
    isZencastr,
    propagationOf: (category) =>
      byCategory.get(category) ?? (isZencastr(category) ? "headers" : "metadata"),
  };
}
