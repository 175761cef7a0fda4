/**
 * W6: W1, W2 and W3 on the memory backend (`connect("memory:")`), the store alone. This is
 * the speed tests and demos get; target: >= 100k sequential writes/s.
 */
import { openStore } from "../clients.ts";
import { MESSAGE_TYPE, sampleData, streamNameOf } from "../wire.ts";
import type { Variant, Workload } from "./types.ts";
import { sequentialStoreRunner } from "./w1-append.ts";
import { concurrentStoreRunner } from "./w2-concurrent.ts";
import { storeReadRunner } from "./w3-read.ts";

const sequential: Variant = {
  name: "store-memory",
  system: "store",
  reference: false,
  async open(environment) {
    return sequentialStoreRunner(
      await openStore("memory:", "bench"),
      environment,
      environment.settings.memoryWrites,
    );
  },
};

const concurrent: Variant = {
  name: "store-memory",
  system: "store",
  reference: false,
  async open(environment) {
    return concurrentStoreRunner(await openStore("memory:", "bench"), environment);
  },
};

const read: Variant = {
  name: "store-memory",
  system: "store",
  reference: false,
  async open(environment) {
    const store = await openStore("memory:", "bench");
    const { entities, messagesPerEntity } = environment.settings;
    // Interleaved like the NATS seed: position 0 of every entity, then position 1, …
    for (let position = 0; position < messagesPerEntity; position++) {
      for (let entity = 0; entity < entities; entity++) {
        await store.write(streamNameOf(entity), { type: MESSAGE_TYPE, data: sampleData(position) });
      }
    }
    return storeReadRunner(store, environment.settings, entities, async () => {});
  },
};

export const w6Sequential: Workload = {
  id: "W6-W1",
  title: "memory backend: sequential appends with an OCC check",
  metric: "throughput",
  variants: [sequential],
};

export const w6Concurrent: Workload = {
  id: "W6-W2",
  title: "memory backend: 64 appends in flight",
  metric: "throughput",
  variants: [concurrent],
};

export const w6Read: Workload = {
  id: "W6-W3",
  title: "memory backend: read one 100-message entity",
  metric: "latency",
  variants: [read],
};
