/**
 * A message in a durable consumer's hands, and the Delivery handle a member receives for it.
 * The handle remembers which delivery it was: `nak` and `inProgress` from a delivery that has
 * since timed out and gone to someone else do nothing, while `ack` and `term` always settle
 * the message (JetStream acks by stream sequence, too).
 */
import type { Delivery } from "../../backend.ts";
import type { RecordedMessage } from "../../message.ts";
import type { StoredEntry } from "./log.ts";
import { rawOf, recordOf } from "./records.ts";
import type { MemoryConsumerSource } from "./source.ts";

/** A message delivered at least once and not yet acked or termed. */
export interface PendingItem {
  readonly storage: string;
  readonly entry: StoredEntry;
  deliveryCount: number;
  /** The member holding it; `undefined` while it waits for redelivery. */
  holder: MemoryConsumerSource | undefined;
  ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** When it may be redelivered (`performance.now()` clock); meaningful while not held. */
  dueAt: number;
}

export interface DeliveryControl {
  /** Ack or term: the message is never delivered to this consumer again. */
  settle(item: PendingItem): void;
  nak(item: PendingItem, deliveryCount: number, delayMs: number): void;
  inProgress(item: PendingItem, deliveryCount: number): void;
}

export function createDelivery(control: DeliveryControl, item: PendingItem): Delivery {
  const deliveryCount = item.deliveryCount;
  let message: RecordedMessage | undefined;
  let error: Error | undefined;
  try {
    message = recordOf(item.storage, item.entry);
  } catch (cause) {
    error = cause instanceof Error ? cause : new Error(String(cause));
  }
  return {
    message,
    error,
    raw: rawOf(item.storage, item.entry),
    deliveryCount,
    ack: async () => control.settle(item),
    nak: (delayMs) => control.nak(item, deliveryCount, delayMs),
    term: () => control.settle(item),
    inProgress: () => control.inProgress(item, deliveryCount),
  };
}
