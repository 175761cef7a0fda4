/**
 * Runs subscriptions for the life of a service: start them, wait for SIGINT or SIGTERM, then
 * drain them (`stop()` lets handlers in flight finish and acks them). Its signal listeners
 * replace Node's default exit for those signals only while it waits, and are removed after.
 */
import type { Subscription } from "./types.ts";

export interface RunUntilSignalOptions {
  /** @default ["SIGINT", "SIGTERM"] */
  readonly signals?: readonly NodeJS.Signals[] | undefined;
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

function isSubscription(value: Subscription | RunUntilSignalOptions): value is Subscription {
  return typeof (value as Partial<Subscription>).start === "function";
}

/**
 * `await runUntilSignal(sub1, sub2, { signals? })`: resolves with the signal received once
 * every subscription has stopped. When a start fails, the ones started are stopped and the
 * error is thrown.
 */
export async function runUntilSignal(
  ...args: readonly (Subscription | RunUntilSignalOptions)[]
): Promise<NodeJS.Signals> {
  const subscriptions = args.filter(isSubscription);
  const options = args.find((arg): arg is RunUntilSignalOptions => !isSubscription(arg)) ?? {};
  const signals = options.signals ?? DEFAULT_SIGNALS;
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  // Listening before starting: a signal during the start still drains.
  for (const signal of signals) process.on(signal, onSignal);
  // Signal listeners do not keep Node running, and an idle memory subscription holds no
  // handle either: without this the process could exit while "waiting" for the signal.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    try {
      await Promise.all(subscriptions.map((subscription) => subscription.start()));
    } catch (error) {
      await Promise.allSettled(subscriptions.map((subscription) => subscription.stop()));
      throw error;
    }
    const signal = await received;
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    return signal;
  } finally {
    clearInterval(keepAlive);
    for (const signal of signals) process.off(signal, onSignal);
  }
}
