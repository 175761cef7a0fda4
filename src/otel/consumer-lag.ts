/**
 * Lag as observable gauges: at each collection, every durable consumer's lag in messages
 * (`store.consumers()`) and the age of the oldest message it has not handled (the stored time
 * of the category's message after its last handled one; for a consumer of one stream, an
 * upper bound). Asking the backend costs a request per
 * consumer per collection, so this is opt-in and apart from `otelInstrumentation()`.
 */
import { type BatchObservableResult, type MeterProvider, metrics } from "@opentelemetry/api";
import type { ConsumerInfo } from "../backend-records.ts";
import type { MessageStore } from "../store.ts";
import { METER_NAME } from "./names.ts";

export interface ConsumerLagOptions {
  /** @default the global meter provider */
  meterProvider?: MeterProvider | undefined;
  /** Only the consumers of this category. @default every category */
  category?: string | undefined;
}

export interface ConsumerLagObserver {
  /** Stop observing (the gauges then report nothing). */
  stop(): void;
}

/** Reports `message_store.consumer.lag` and `message_store.consumer.oldest_pending_age` for `store`. */
export function observeConsumerLag(
  store: MessageStore,
  options: ConsumerLagOptions = {},
): ConsumerLagObserver {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME);
  const lag = meter.createObservableGauge("message_store.consumer.lag", {
    description: "Messages a durable consumer still has to handle (pending and in flight)",
    unit: "{message}",
  });
  const age = meter.createObservableGauge("message_store.consumer.oldest_pending_age", {
    description: "How long the oldest message a consumer has not handled has been stored",
    unit: "ms",
  });
  const callback = async (batch: BatchObservableResult): Promise<void> => {
    const now = Date.now();
    for (const info of await store.consumers(options.category)) {
      const attributes = {
        "message_store.consumer": info.consumer,
        "message_store.category": info.category,
      };
      batch.observe(lag, info.lag, attributes);
      batch.observe(age, await oldestPendingAgeMs(store, info, now), attributes);
    }
  };
  meter.addBatchObservableCallback(callback, [lag, age]);
  return { stop: () => meter.removeBatchObservableCallback(callback, [lag, age]) };
}

async function oldestPendingAgeMs(
  store: MessageStore,
  info: ConsumerInfo,
  now: number,
): Promise<number> {
  if (info.lag === 0) return 0;
  const next = store.readCategory(
    { category: info.category },
    { fromGlobalPosition: info.lastHandledGlobalPosition + 1, maxCount: 1 },
  );
  for await (const message of next) return Math.max(0, now - message.time.getTime());
  return 0;
}
