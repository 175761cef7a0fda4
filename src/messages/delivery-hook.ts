/**
 * What a subscription or `consume()` of a contracted target (or with a `correlation` filter)
 * does to each delivery before the subscription rules see it: skip it when it belongs to
 * another correlation, upcast it, and with `validate` mark it invalid when its data fails the
 * schema, so the rules dead-letter it (reason `invalid`) instead of handing it out.
 */
import type { Delivery } from "../backend.ts";
import type { MessageIssue } from "../errors.ts";
import type { RecordedMessage } from "../message.ts";
import type { DeliveryHook } from "../subscribe/types.ts";
import type { MessageContract } from "./contract.ts";
import { isCorrelated } from "./follow.ts";
import { upcasterFor } from "./upcast.ts";
import { checkData, invalidData } from "./validate.ts";

export interface DeliveryHookOptions {
  readonly validate: boolean;
  readonly correlation: string | undefined;
}

/** The delivery with another view of its message; settling still goes to the backend's delivery. */
function viewOf(delivery: Delivery, message: RecordedMessage, error: Error | undefined): Delivery {
  return {
    message,
    error,
    raw: delivery.raw,
    deliveryCount: delivery.deliveryCount,
    ack: () => delivery.ack(),
    nak: (delayMs) => delivery.nak(delayMs),
    term: () => delivery.term(),
    inProgress: () => delivery.inProgress(),
  };
}

function checked(
  delivery: Delivery,
  message: RecordedMessage,
  issues: readonly MessageIssue[] | undefined,
): Delivery {
  if (issues === undefined)
    return message === delivery.message ? delivery : viewOf(delivery, message, undefined);
  const where = `${message.type} at ${message.streamName} position ${message.position}`;
  return viewOf(delivery, message, invalidData(where, issues));
}

/** The hook for `contract` and `options`; `undefined` when there is nothing to do (no cost then). */
export function deliveryHook(
  contract: MessageContract | undefined,
  options: DeliveryHookOptions,
): DeliveryHook | undefined {
  const upcast = upcasterFor(contract);
  const validating = options.validate ? contract : undefined;
  const { correlation } = options;
  if (upcast === undefined && validating === undefined && correlation === undefined)
    return undefined;
  return (delivery) => {
    const original = delivery.message;
    // A malformed body has no message; the subscription rules dead-letter it as `malformed`.
    if (original === undefined) return delivery;
    if (correlation !== undefined && !isCorrelated(original, correlation)) return undefined;
    const message = upcast === undefined ? original : upcast(original);
    const schema = validating?.compiled.get(message.type)?.schema;
    if (schema === undefined) return checked(delivery, message, undefined);
    const issues = checkData(schema, message.data);
    if (issues instanceof Promise) return issues.then((found) => checked(delivery, message, found));
    return checked(delivery, message, issues);
  };
}
