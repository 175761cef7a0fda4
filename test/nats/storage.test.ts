// What the store creates on JetStream, and how it finds streams others made (DESIGN §3).
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import {
  isStreamNotFoundError,
  isUnsupportedError,
  type StreamNotFoundError,
} from "../../src/index.ts";
import { hasNats } from "../support/nats.ts";
import { encode, useNatsTestBed } from "./nats-helpers.ts";

describe.skipIf(!hasNats())("NATS storage", () => {
  const bed = useNatsTestBed("storage");
  const open = bed.open;

  it("creates a guarded, file-backed stream per category on its first write", async () => {
    const store = await open();
    const { prefix } = store.options;
    await store.write("account-1", { type: "Opened" });
    const { config } = await bed.raw().manager.streams.info(`${prefix}-account`);
    expect(config.subjects).toEqual([`${prefix}.account.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.retention).toBe(RetentionPolicy.Limits);
    expect(config.discard).toBe(DiscardPolicy.New);
    expect(config.max_msgs_per_subject).toBe(1);
    expect(config.discard_new_per_subject).toBe(true);
    expect(config.max_bytes).toBe(-1);
    expect(config.max_msg_size).toBe(4 * 1024 * 1024);
    expect(config.allow_direct).toBe(true);
    expect(config.allow_atomic).toBe(true);
    expect(config.num_replicas).toBe(1);
  });

  it("makes an unguarded stream with positionGuard: false, still discarding new", async () => {
    const store = await open();
    await store.ensureCategory("shared", { positionGuard: false, maxBytes: 1_000_000 });
    const { config } = await bed.raw().manager.streams.info(`${store.options.prefix}-shared`);
    expect(config.max_msgs_per_subject).toBe(-1);
    expect(config.discard).toBe(DiscardPolicy.New);
    expect(config.max_bytes).toBe(1_000_000);
    await store.write("shared-1", { type: "A" });
    await store.write("shared-1", [{ type: "B" }, { type: "C" }], { expectedVersion: 0 });
    await expect(
      store.write("shared-1", { type: "D" }, { expectedVersion: 1 }),
    ).rejects.toMatchObject({ name: "ExpectedVersionError", actual: 2 });
    expect((await store.get("shared-1")).map((m) => m.type)).toEqual(["A", "B", "C"]);
  });

  it("refuses a write to a missing category with createMissingStreams off, naming the stream", async () => {
    const store = await open({ createMissingStreams: false });
    const error = await store.write("orders-1", { type: "Placed" }).catch((e: unknown) => e);
    expect(isStreamNotFoundError(error)).toBe(true);
    expect((error as StreamNotFoundError).stream).toBe(`${store.options.prefix}-orders`);
    expect((error as Error).message).toContain(`${store.options.prefix}-orders`);
    await store.ensureCategory("orders");
    await expect(store.write("orders-1", { type: "Placed" })).resolves.toMatchObject({
      position: 0,
    });
  });

  it("uses a stream another writer made for the category, and ensureCategory enables atomic writes on it", async () => {
    const store = await open();
    const { prefix } = store.options;
    // As Zencastr makes them: its own name, no direct get, no atomic batches, no guard.
    await bed.raw().manager.streams.add({
      name: `${prefix}_ZENCASTR_PODCASTS`,
      subjects: [`${prefix}.podcast.>`],
      storage: StorageType.File,
      allow_direct: false,
    });
    await bed
      .raw()
      .connection.request(
        `${prefix}.podcast.7`,
        encode({ type: "Imported", data: { title: "a" } }),
      );
    await store.write("podcast-7", { type: "Renamed", data: { title: "b" } });
    const names: string[] = [];
    for await (const name of bed.raw().manager.streams.names()) names.push(name);
    expect(names).not.toContain(`${prefix}-podcast`);
    const read = await store.get("podcast-7");
    expect(read.map((m) => [m.type, m.position])).toEqual([
      ["Imported", 0],
      ["Renamed", 1],
    ]);

    const arrayWrite = await store
      .write("podcast-8", [{ type: "A" }, { type: "B" }])
      .catch((e: unknown) => e);
    expect(isUnsupportedError(arrayWrite)).toBe(true);
    expect((arrayWrite as Error).message).toContain("ensureCategory");

    await store.ensureCategory("podcast");
    const { config } = await bed.raw().manager.streams.info(`${prefix}_ZENCASTR_PODCASTS`);
    expect(config.allow_atomic).toBe(true);
    expect(config.allow_direct).toBe(true);
    await expect(store.write("podcast-8", [{ type: "A" }, { type: "B" }])).resolves.toMatchObject({
      position: 1,
    });
  });

  it("lists the prefix's categories with their size", async () => {
    const store = await open();
    await store.write("alpha-1", [{ type: "A" }, { type: "B" }]);
    await store.write("beta-1", { type: "A" });
    const stats = await store.categories();
    expect(stats.map((s) => [s.category, s.messages])).toEqual([
      ["alpha", 2],
      ["beta", 1],
    ]);
    expect(stats[0]?.storage).toBe(`${store.options.prefix}-alpha`);
    expect(stats[0]?.lastTime).toBeInstanceOf(Date);
  });
});
