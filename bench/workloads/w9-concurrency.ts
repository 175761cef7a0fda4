/**
 * W9 (issue 6): ordered concurrency pays off when handlers wait on I/O. A subscription whose
 * handler awaits 1 ms handles the first messages of the seeded category with
 * `concurrency: 1` and with `concurrency: 8`; the target is ≥ 5× for 8. The seed interleaves
 * entities (position 0 of every entity, then position 1, …), as production traffic does, so
 * many streams are in reach of the eight slots.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { openStore } from "../clients.ts";
import { openSeeded } from "../seed.ts";
import { timeSubscription } from "../subscribe-timed.ts";
import type { Measurement, Variant, Workload } from "./types.ts";

/** The handler's simulated I/O. */
const HANDLER_IO_MS = 1;

function concurrencyVariant(concurrency: number): Variant {
  return {
    name: `concurrency-${concurrency}`,
    system: "store",
    reference: false,
    async open(environment, prefix) {
      const seeded = await openSeeded(environment, prefix, environment.settings.entities, true);
      const store = await openStore(environment.url, prefix);
      const count = environment.settings.concurrencyMessages;
      return {
        async run(repetition): Promise<Measurement> {
          const seconds = await timeSubscription(store, {
            consumer: `io${concurrency}x${repetition}`,
            count,
            work: () => sleep(HANDLER_IO_MS),
            options: { concurrency },
          });
          return { operations: count, seconds };
        },
        close: async () => {
          await store.close();
          await seeded.connection.close();
        },
      };
    },
  };
}

export const w9: Workload = {
  id: "W9",
  title: "subscribe with a handler awaiting 1 ms: concurrency 1 vs 8",
  metric: "throughput",
  variants: [concurrencyVariant(1), concurrencyVariant(8)],
};
