// Placeholder until subscriptions land.
import type { Backend } from "../backend.ts";
import type { Logger } from "../options.ts";
import type { ParsedTarget } from "../stream-name.ts";
import type { SubscribeOptions, Subscription } from "./types.ts";

export function createSubscription(
  _backend: Backend,
  _target: ParsedTarget,
  _options: SubscribeOptions,
  _logger: Logger,
): Subscription {
  throw new Error("subscriptions not built yet");
}
