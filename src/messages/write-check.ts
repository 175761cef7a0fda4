/**
 * What a write to a contracted stream goes through before the store's own checks: the type
 * must be declared, the data must pass the type's schema, and the message is stamped with the
 * newest schema version when the type has more than one. The caller's objects never change.
 */
import { InvalidMessageError, type MessageIssue } from "../errors.ts";
import { isPlainObject, type Message } from "../message.ts";
import type { MessageContract } from "./contract.ts";
import { SCHEMA_VERSION } from "./metadata-keys.ts";
import { checkData, invalidData } from "./validate.ts";

function stamped<Written extends Message>(message: Written, version: number): Written {
  if (version === 1) return message;
  return { ...message, metadata: { ...message.metadata, [SCHEMA_VERSION]: version } };
}

/**
 * `message` with `schemaVersion` as a write to `contract` stores it: for a caller that must
 * know the stored metadata without reading it back (the events `handle` returns). Unchanged
 * for a type with one version or not declared.
 */
export function stampedAsWritten<Written extends Message>(
  contract: MessageContract,
  message: Written,
): Written {
  const spec = contract.compiled.get(message.type);
  return spec === undefined ? message : stamped(message, spec.version);
}

async function checkOne(
  contract: MessageContract,
  message: Message,
  where: string,
): Promise<Message> {
  // A message that is not even shaped like one is left to the store's checks, which say why.
  if (!isPlainObject(message) || typeof message.type !== "string") return message;
  const spec = contract.compiled.get(message.type);
  if (spec === undefined) {
    throw new InvalidMessageError(
      `${where}: type ${JSON.stringify(message.type)} is not declared for category ${contract.category}`,
    );
  }
  if (spec.schema !== undefined) {
    const found: readonly MessageIssue[] | undefined = await checkData(spec.schema, message.data);
    if (found !== undefined) throw invalidData(`${where} ${message.type}`, found);
  }
  return stamped(message, spec.version);
}

function isList(messages: Message | readonly Message[]): messages is readonly Message[] {
  return Array.isArray(messages);
}

/** The messages to write, checked against `contract`. Throws `InvalidMessageError`; nothing is written then. */
export async function checkWrite(
  contract: MessageContract,
  messages: Message | readonly Message[],
): Promise<Message | Message[]> {
  if (!isList(messages)) return checkOne(contract, messages, "message");
  const checked: Message[] = [];
  for (const [index, message] of messages.entries()) {
    checked.push(await checkOne(contract, message, `message [${index}]`));
  }
  return checked;
}
