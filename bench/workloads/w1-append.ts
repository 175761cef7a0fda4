/**
 * W1: sequential appends to random streams, each with an optimistic-concurrency check against
 * the version the writer knows. One write in flight, so this measures the round trip.
 * - raw: publish to the next position subject of a guarded stream; the guard is the check.
 * - raw-shared (reference): one subject per entity with `expect.lastSubjectSequence`.
 * - store: `write(stream, message, { expectedVersion })`.
 */
import type { MessageStore } from "message-store";
import { openRaw, openStore, type RawClient, randomEntities } from "../clients.ts";
import { nowMs, throughputSince } from "../stats.ts";
import {
  createCategoryStream,
  encodeSampleBody,
  entitySubject,
  MESSAGE_TYPE,
  positionSubject,
  sampleData,
  streamNameOf,
} from "../wire.ts";
import type { Environment, Runner, Variant, Workload } from "./types.ts";

/** Appends message `index` to `entity`, checked against what this writer knows of it. */
export type Append = (entity: number, index: number) => Promise<void>;

/** Times `sequentialWrites` appends to random entities, one at a time (also used by W10). */
export function sequentialRunner(
  environment: Environment,
  count: number,
  append: Append,
  close: () => Promise<void>,
): Runner {
  return {
    async run(repetition) {
      const picks = randomEntities(count, environment.settings.entities, repetition + 1);
      const started = nowMs();
      for (const [index, entity] of picks.entries()) await append(entity, index);
      return throughputSince(count, started);
    },
    close,
  };
}

function rawVariant(
  name: string,
  reference: boolean,
  guarded: boolean,
  appender: (raw: RawClient, prefix: string) => Append,
): Variant {
  return {
    name,
    system: "raw",
    reference,
    async open(environment, prefix) {
      const raw = await openRaw(environment.url);
      await createCategoryStream(raw.manager, prefix, guarded);
      const count = environment.settings.sequentialWrites;
      return sequentialRunner(environment, count, appender(raw, prefix), () =>
        raw.connection.close(),
      );
    },
  };
}

const rawGuarded = rawVariant("raw", false, true, (raw, prefix) => {
  const versions = new Map<number, number>();
  return async (entity, index) => {
    const next = (versions.get(entity) ?? -1) + 1;
    await raw.client.publish(positionSubject(prefix, entity, next), encodeSampleBody(index));
    versions.set(entity, next);
  };
});

const rawShared = rawVariant("raw-shared", true, false, (raw, prefix) => {
  const lastSequences = new Map<number, number>();
  return async (entity, index) => {
    const ack = await raw.client.publish(entitySubject(prefix, entity), encodeSampleBody(index), {
      expect: { lastSubjectSequence: lastSequences.get(entity) ?? 0 },
    });
    lastSequences.set(entity, ack.seq);
  };
});

/** Also used by W6 on the memory backend. */
export function sequentialStoreRunner(
  messageStore: MessageStore,
  environment: Environment,
  count: number = environment.settings.sequentialWrites,
): Runner {
  const versions = new Map<number, number>();
  const append: Append = async (entity, index) => {
    const result = await messageStore.write(
      streamNameOf(entity),
      { type: MESSAGE_TYPE, data: sampleData(index) },
      { expectedVersion: versions.get(entity) ?? -1 },
    );
    versions.set(entity, result.position);
  };
  return sequentialRunner(environment, count, append, () => messageStore.close());
}

const store: Variant = {
  name: "store",
  system: "store",
  reference: false,
  async open(environment, prefix) {
    return sequentialStoreRunner(await openStore(environment.url, prefix), environment);
  },
};

export const w1: Workload = {
  id: "W1",
  title: "sequential appends with an OCC check",
  metric: "throughput",
  variants: [rawGuarded, rawShared, store],
};
