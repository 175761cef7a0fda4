/**
 * Running work inside a span, so that the spans it starts (a handler's writes, a command's
 * loads and writes) become the span's children.
 */
import { type Context, context, type Span, trace } from "@opentelemetry/api";

/**
 * The context a span's work runs in: `parent` with `span` set. `undefined` when the span
 * carries no trace (the API's no-op tracer, no SDK registered, and no writer's trace to
 * continue): the work then runs where it is, since this context would carry nothing and
 * entering one costs (on Node 20 the first one switches on async hooks for the process).
 */
export function contextFor(parent: Context, span: Span): Context | undefined {
  // A recording span has a valid context: the check of its ids is left for the others.
  return span.isRecording() || trace.isSpanContextValid(span.spanContext())
    ? trace.setSpan(parent, span)
    : undefined;
}

/** `work(...args)` with `active` as the active context, when there is one. */
export function runIn<Args extends unknown[], Result>(
  active: Context | undefined,
  work: (...args: Args) => Result,
  args: Args,
): Result {
  return active === undefined ? work(...args) : context.with(active, work, undefined, ...args);
}
