/**
 * The raw baselines use the store's own wire layout (DESIGN §3), so that a ratio compares the
 * client code and nothing else: subject `{prefix}.acct.{id}.{position}` in the JetStream stream
 * `{prefix}-acct`, position-guarded, direct get on, file storage, and the store's body.
 */
import { randomUUID } from "node:crypto";
import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";

export const CATEGORY = "acct";
export const MESSAGE_TYPE = "Deposited";

export function storageStreamOf(prefix: string): string {
  return `${prefix}-${CATEGORY}`;
}

export function positionSubject(prefix: string, entity: number, position: number): string {
  return `${prefix}.${CATEGORY}.${entity}.${position}`;
}

/** The shared-subject layout (one subject per entity), for the reference variants only. */
export function entitySubject(prefix: string, entity: number): string {
  return `${prefix}.${CATEGORY}.${entity}`;
}

/** The store's stream name for an entity: `acct-{entity}`. */
export function streamNameOf(entity: number): string {
  return `${CATEGORY}-${entity}`;
}

/** The sample message's data; W10 declares it with a zod schema. */
export interface SampleData {
  amount: number;
  currency: string;
  reference: string;
  note: string;
  at: string;
}

/** Message data sized so that the whole body is about 200 bytes of JSON. */
export function sampleData(sequence: number): SampleData {
  return {
    amount: 100 + (sequence % 900),
    currency: "EUR",
    reference: `transfer-${sequence.toString().padStart(10, "0")}`,
    note: "monthly allowance for groceries",
    at: "2026-01-01T00:00:00.000Z",
  };
}

const encoder = new TextEncoder();

/** The body as the store writes it: `{"type":…,"data":…,"id":…}`. */
export function encodeSampleBody(sequence: number): Uint8Array {
  return encoder.encode(
    JSON.stringify({ type: MESSAGE_TYPE, data: sampleData(sequence), id: randomUUID() }),
  );
}

/** The store's stream settings (DESIGN §3); `guarded: false` gives the shared-subject layout. */
export async function createCategoryStream(
  manager: JetStreamManager,
  prefix: string,
  guarded: boolean,
): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: storageStreamOf(prefix),
    subjects: [`${prefix}.${CATEGORY}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msg_size: 4 * 1024 * 1024,
    allow_direct: true,
    allow_atomic: true,
    num_replicas: 1,
  };
  if (guarded) {
    config.max_msgs_per_subject = 1;
    config.discard_new_per_subject = true;
  }
  await manager.streams.add(config);
}
