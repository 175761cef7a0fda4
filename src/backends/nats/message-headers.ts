/**
 * Headers a message carries for its readers (only instrumentation sets them, for categories
 * shared with Zencastr's traced services, which read the trace context from headers). The
 * store itself stores no headers: each one slows every read of the message (DESIGN §3).
 */
import { type MsgHdrs, headers as newHeaders } from "@nats-io/transport-node";

/** `base` with `extra` added; `base` itself when there is nothing to add. */
export function withMessageHeaders(
  base: MsgHdrs | undefined,
  extra: Readonly<Record<string, string>> | undefined,
): MsgHdrs | undefined {
  if (extra === undefined) return base;
  const merged = base ?? newHeaders();
  for (const [name, value] of Object.entries(extra)) merged.set(name, value);
  return merged;
}

/** A delivered message's headers as a record; `undefined` when it has none. */
export function headersRecord(
  headers: MsgHdrs | undefined,
): Readonly<Record<string, string>> | undefined {
  if (headers === undefined) return undefined;
  const record: Record<string, string> = {};
  for (const [name, values] of headers) {
    const first = values[0];
    if (first !== undefined) record[name] = first;
  }
  return record;
}
