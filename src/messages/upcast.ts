/**
 * Upcasting: a stored message of an older schema version becomes the newest one as it is
 * read, on every read path, before any validation. The stored message never changes.
 */
import type { Metadata, RecordedMessage } from "../message.ts";
import type { CompiledSpec, MessageContract } from "./contract.ts";
import { SCHEMA_VERSION } from "./metadata-keys.ts";

/** The schema version `metadata` records; a message without one (or with nonsense) is version 1. */
export function schemaVersionOf(metadata: Metadata): number {
  const version = metadata[SCHEMA_VERSION];
  return typeof version === "number" && Number.isInteger(version) && version >= 1 ? version : 1;
}

function upcastData(spec: CompiledSpec, data: unknown, metadata: Metadata, from: number): unknown {
  let current = data;
  for (let step = from - 1; step < spec.upcasters.length; step += 1) {
    const upcaster = spec.upcasters[step];
    // The parameter type is the caller's statement of the old shape (see `Upcaster`).
    if (upcaster !== undefined) current = upcaster(current as never, metadata);
  }
  return current;
}

/** `message` at its type's newest version, with `schemaVersion` saying so; unchanged when already there. */
export function upcast(contract: MessageContract, message: RecordedMessage): RecordedMessage {
  const spec = contract.compiled.get(message.type);
  if (spec === undefined || spec.upcasters.length === 0) return message;
  const from = schemaVersionOf(message.metadata);
  if (from >= spec.version) return message;
  return {
    ...message,
    data: upcastData(spec, message.data, message.metadata, from),
    metadata: { ...message.metadata, [SCHEMA_VERSION]: spec.version },
  };
}

/** The upcasting a read of `contract` needs, or `undefined` when it has no upcasters (reads pay nothing). */
export function upcasterFor(
  contract: MessageContract | undefined,
): ((message: RecordedMessage) => RecordedMessage) | undefined {
  if (contract === undefined || !contract.upcasts) return undefined;
  return (message) => upcast(contract, message);
}
