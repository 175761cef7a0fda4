/**
 * The timed part of the subscription workloads (W4, W9): start a subscription on the seeded
 * category, wait until its handler has run `count` times, stop it. The time includes creating
 * the durable consumer, as the raw side's does.
 */
import type { MessageStore, SubscribeOptions } from "message-store";
import { nowMs } from "./stats.ts";
import { CATEGORY, MESSAGE_TYPE } from "./wire.ts";

export interface TimedSubscription {
  readonly consumer: string;
  readonly count: number;
  /** The work per message; it runs before the message counts as handled. */
  readonly work?: () => Promise<void>;
  readonly options?: Partial<Omit<SubscribeOptions, "consumer" | "handlers">>;
  /** Called right before the subscription starts (W8 starts sampling RSS there). */
  readonly onStart?: () => void;
}

/** Seconds until `count` messages were handled; the subscription is stopped afterwards. */
export async function timeSubscription(
  store: MessageStore,
  timed: TimedSubscription,
): Promise<number> {
  let handled = 0;
  let allHandled = (): void => {};
  const finished = new Promise<void>((resolve) => {
    allHandled = resolve;
  });
  const { work } = timed;
  const subscription = store.subscribe(CATEGORY, {
    ...timed.options,
    consumer: timed.consumer,
    handlers: {
      [MESSAGE_TYPE]:
        work === undefined
          ? () => {
              if (++handled === timed.count) allHandled();
            }
          : async () => {
              await work();
              if (++handled === timed.count) allHandled();
            },
    },
  });
  timed.onStart?.();
  const started = nowMs();
  await subscription.start();
  await finished;
  const seconds = (nowMs() - started) / 1000;
  await subscription.stop();
  return seconds;
}
