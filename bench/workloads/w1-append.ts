/**
 * W1: sequential appends to random streams, each with an optimistic-concurrency check against
 * the version the writer knows. One write in flight, so this measures the round trip.
 * - raw: publish to the next position subject of a guarded stream; the guard is the check.
 * - raw-shared (reference): one subject per entity with `expect.lastSubjectSequence`.
 * - store: `write(stream, message, { expectedVersion })`.
 */
import type { MessageStore } from "../../src/index.ts";
import { openRaw, openStore, randomEntities } from "../clients.ts";
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

const rawGuarded: Variant = {
  name: "raw",
  system: "raw",
  reference: false,
  async open(environment: Environment, prefix: string): Promise<Runner> {
    const raw = await openRaw(environment.url);
    await createCategoryStream(raw.manager, prefix, true);
    const versions = new Map<number, number>();
    const count = environment.settings.sequentialWrites;
    return {
      async run(repetition) {
        const picks = randomEntities(count, environment.settings.entities, repetition + 1);
        const started = nowMs();
        for (const [index, entity] of picks.entries()) {
          const next = (versions.get(entity) ?? -1) + 1;
          await raw.client.publish(positionSubject(prefix, entity, next), encodeSampleBody(index));
          versions.set(entity, next);
        }
        return throughputSince(count, started);
      },
      close: () => raw.connection.close(),
    };
  },
};

const rawShared: Variant = {
  name: "raw-shared",
  system: "raw",
  reference: true,
  async open(environment: Environment, prefix: string): Promise<Runner> {
    const raw = await openRaw(environment.url);
    await createCategoryStream(raw.manager, prefix, false);
    const lastSequences = new Map<number, number>();
    const count = environment.settings.sequentialWrites;
    return {
      async run(repetition) {
        const picks = randomEntities(count, environment.settings.entities, repetition + 1);
        const started = nowMs();
        for (const [index, entity] of picks.entries()) {
          const ack = await raw.client.publish(
            entitySubject(prefix, entity),
            encodeSampleBody(index),
            {
              expect: { lastSubjectSequence: lastSequences.get(entity) ?? 0 },
            },
          );
          lastSequences.set(entity, ack.seq);
        }
        return throughputSince(count, started);
      },
      close: () => raw.connection.close(),
    };
  },
};

const store: Variant = {
  name: "store",
  system: "store",
  reference: false,
  async open(environment: Environment, prefix: string): Promise<Runner> {
    const messageStore = await openStore(environment.url, prefix);
    return sequentialStoreRunner(messageStore, environment);
  },
};

/** Also used by W6 on the memory backend. */
export function sequentialStoreRunner(
  messageStore: MessageStore,
  environment: Environment,
  count: number = environment.settings.sequentialWrites,
): Runner {
  const versions = new Map<number, number>();
  return {
    async run(repetition) {
      const picks = randomEntities(count, environment.settings.entities, repetition + 1);
      const started = nowMs();
      for (const [index, entity] of picks.entries()) {
        const result = await messageStore.write(
          streamNameOf(entity),
          { type: MESSAGE_TYPE, data: sampleData(index) },
          { expectedVersion: versions.get(entity) ?? -1 },
        );
        versions.set(entity, result.position);
      }
      return throughputSince(count, started);
    },
    close: () => messageStore.close(),
  };
}

export const w1: Workload = {
  id: "W1",
  title: "sequential appends with an OCC check",
  metric: "throughput",
  variants: [rawGuarded, rawShared, store],
};
