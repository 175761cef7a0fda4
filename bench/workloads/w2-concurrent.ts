/**
 * W2: appends with 64 in flight over 1024 streams, no concurrency check. This measures how
 * well each client pipelines.
 * - raw: concurrent `js.publish` to the next position subject (the writer counts positions).
 * - store: concurrent `write(stream, message)`.
 */
import type { MessageStore } from "message-store";
import { openRaw, openStore, randomEntities } from "../clients.ts";
import { nowMs, throughputSince } from "../stats.ts";
import {
  createCategoryStream,
  encodeSampleBody,
  MESSAGE_TYPE,
  positionSubject,
  sampleData,
  streamNameOf,
} from "../wire.ts";
import type { Environment, Runner, Variant, Workload } from "./types.ts";

/** Runs `operation` for every pick with `inFlight` of them outstanding at once. */
export async function inParallel(
  picks: readonly number[],
  inFlight: number,
  operation: (entity: number, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < picks.length) {
      const index = next++;
      await operation(picks[index] as number, index);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const raw: Variant = {
  name: "raw",
  system: "raw",
  reference: false,
  async open(environment: Environment, prefix: string): Promise<Runner> {
    const client = await openRaw(environment.url);
    await createCategoryStream(client.manager, prefix, true);
    const nextPositions = new Map<number, number>();
    const { concurrentWrites, concurrentStreams, inFlight } = environment.settings;
    return {
      async run(repetition) {
        const picks = randomEntities(concurrentWrites, concurrentStreams, repetition + 1);
        const started = nowMs();
        await inParallel(picks, inFlight, (entity, index) => {
          const position = nextPositions.get(entity) ?? 0;
          nextPositions.set(entity, position + 1);
          return client.client.publish(
            positionSubject(prefix, entity, position),
            encodeSampleBody(index),
          );
        });
        return throughputSince(concurrentWrites, started);
      },
      close: () => client.connection.close(),
    };
  },
};

/** Also used by W6 on the memory backend. */
export function concurrentStoreRunner(
  messageStore: MessageStore,
  environment: Environment,
): Runner {
  const { concurrentWrites, concurrentStreams, inFlight } = environment.settings;
  return {
    async run(repetition) {
      const picks = randomEntities(concurrentWrites, concurrentStreams, repetition + 1);
      const started = nowMs();
      await inParallel(picks, inFlight, (entity, index) =>
        messageStore.write(streamNameOf(entity), { type: MESSAGE_TYPE, data: sampleData(index) }),
      );
      return throughputSince(concurrentWrites, started);
    },
    close: () => messageStore.close(),
  };
}

const store: Variant = {
  name: "store",
  system: "store",
  reference: false,
  async open(environment: Environment, prefix: string): Promise<Runner> {
    return concurrentStoreRunner(await openStore(environment.url, prefix), environment);
  },
};

export const w2: Workload = {
  id: "W2",
  title: "appends, 64 in flight over 1024 streams, no check",
  metric: "throughput",
  variants: [raw, store],
};
