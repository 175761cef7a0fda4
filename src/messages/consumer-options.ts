/**
 * The options the message layer adds to `subscribe()`, `consume()` and `readCategory()`:
 * `validate` and `correlation`. They are checked and taken out here; the subscription layer
 * receives the rest, and sees their effect only through the delivery hook.
 */
import { InvalidOptionsError } from "../errors.ts";
import { parseTarget } from "../stream-name.ts";
import type { DeliveryHook } from "../subscribe/types.ts";
import type { MessageContract } from "./contract.ts";
import { deliveryHook } from "./delivery-hook.ts";

export interface MessageConsumerOptions {
  validate?: boolean | undefined;
  correlation?: string | undefined;
}

/** A correlation category, checked: `undefined`, or a category name (not a stream). */
export function checkCorrelation(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new InvalidOptionsError(
      `correlation must be a category name, got ${JSON.stringify(value)}`,
    );
  }
  const target = parseTarget(value);
  if (target.id !== undefined) {
    throw new InvalidOptionsError(`correlation takes a category, got stream ${target.name}`);
  }
  return value;
}

function checkValidate(value: unknown, contract: MessageContract | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) {
    throw new InvalidOptionsError(`validate must be true or false, got ${JSON.stringify(value)}`);
  }
  if (contract === undefined) {
    throw new InvalidOptionsError(
      "validate needs a target with a contract: pass a category from defineCategory, or one of its streams",
    );
  }
  return true;
}

/** `options` without the message layer's keys, and the delivery hook they (and the contract) ask for. */
export function splitConsumerOptions<Options extends MessageConsumerOptions>(
  options: Options,
  contract: MessageContract | undefined,
  call: "subscribe" | "consume",
): { rest: Omit<Options, keyof MessageConsumerOptions>; hook: DeliveryHook | undefined } {
  if (options === null || typeof options !== "object") {
    throw new InvalidOptionsError(`${call}: options must be an object`);
  }
  const { validate, correlation, ...rest } = options;
  const hook = deliveryHook(contract, {
    validate: checkValidate(validate, contract),
    correlation: checkCorrelation(correlation),
  });
  return { rest, hook };
}
