// What the store creates on JetStream, and how it finds streams others made (DESIGN §3).
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import {
  type CategoryLayoutError,
  isCategoryLayoutError,
  isExpectedVersionError,
  isInvalidOptionsError,
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

  it("marks the streams it creates with their layout; ensureCategory makes a zencastr-layout one", async () => {
    const store = await open();
    const { prefix } = store.options;
    const { manager } = bed.raw();
    await store.write("ledger-1", { type: "A" });
    expect((await manager.streams.info(`${prefix}-ledger`)).config.metadata).toMatchObject({
      "message-store.layout": "position",
    });
    await store.ensureCategory("shared", { layout: "zencastr" });
    const { config } = await manager.streams.info(`${prefix}-shared`);
    expect(config.metadata).toMatchObject({ "message-store.layout": "zencastr" });
    expect(config.max_msgs_per_subject).toBe(-1);
    expect(config.discard).toBe(DiscardPolicy.New);
    expect([config.allow_direct, config.allow_atomic]).toEqual([true, true]);

    await store.write("shared-1", { type: "A" });
    await store.write("shared-1", [{ type: "B" }, { type: "C" }], { expectedVersion: 0 });
    const last = await manager.streams.getMessage(`${prefix}-shared`, {
      last_by_subj: `${prefix}.shared.1`,
    });
    expect(last?.subject).toBe(`${prefix}.shared.1`);
    expect((await manager.streams.info(`${prefix}-shared`)).state.messages).toBe(3);
    const stale = await store
      .write("shared-1", [{ type: "D" }, { type: "E" }], { expectedVersion: 0 })
      .catch((e: unknown) => e);
    expect(isExpectedVersionError(stale)).toBe(true);
    expect(stale).toMatchObject({ actual: 2 });
    expect((await store.get("shared-1")).map((m) => [m.type, m.position])).toEqual([
      ["A", 0],
      ["B", 1],
      ["C", 2],
    ]);
  });

  it("refuses to switch a category's layout, either way, with CategoryLayoutError", async () => {
    const store = await open();
    const { prefix } = store.options;
    await store.ensureCategory("pos");
    await store.ensureCategory("zen", { layout: "zencastr" });
    await bed.raw().manager.streams.add({
      name: `${prefix}-py`,
      subjects: [`${prefix}.py.>`],
      storage: StorageType.File,
    });
    for (const [category, requested, actual] of [
      ["pos", "zencastr", "position"],
      ["zen", "position", "zencastr"],
      ["py", "position", "zencastr"],
    ] as const) {
      const error = await store
        .ensureCategory(category, { layout: requested })
        .catch((e: unknown) => e);
      expect(isCategoryLayoutError(error)).toBe(true);
      expect(error).toMatchObject({ category, layout: actual, requested });
      expect((error as CategoryLayoutError).message).toContain(`${prefix}-${category}`);
      // Asking for what it is, or for nothing, is fine.
      await store.ensureCategory(category, { layout: actual });
      await store.ensureCategory(category);
    }
    const bad = await store
      .ensureCategory("other", { layout: "sideways" as "position" })
      .catch((e: unknown) => e);
    expect(isInvalidOptionsError(bad)).toBe(true);
  });

  it("keeps an unmarked stream an earlier version of the store made (discard new) in the position layout", async () => {
    const store = await open();
    const { prefix } = store.options;
    await bed.raw().manager.streams.add({
      name: `${prefix}-legacy`,
      subjects: [`${prefix}.legacy.>`],
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_msgs_per_subject: 1,
      discard_new_per_subject: true,
      allow_direct: true,
      allow_atomic: true,
    });
    await bed.raw().connection.request(`${prefix}.legacy.1.0`, encode({ type: "Old", data: 1 }));
    const written = await store.write("legacy-1", { type: "New" }, { expectedVersion: 0 });
    expect(written.position).toBe(1);
    const last = await bed.raw().manager.streams.getMessage(`${prefix}-legacy`, {
      last_by_subj: `${prefix}.legacy.1.1`,
    });
    expect(last?.seq).toBe(written.globalPosition);
  });

  it("reads a zencastr-layout entity longer than one page, from the start and from a position", async () => {
    const store = await open();
    await store.ensureCategory("long", { layout: "zencastr" });
    const batch = (from: number) =>
      Array.from({ length: 600 }, (_, index) => ({ type: "N", data: from + index }));
    await store.write("long-1", batch(0));
    await store.write("long-1", batch(600));
    await store.write("long-2", { type: "Other" });
    const all = await store.get("long-1");
    expect(all).toHaveLength(1200);
    expect(
      all.every((message, index) => message.position === index && message.data === index),
    ).toBe(true);
    expect(await store.version("long-1")).toBe(1199);
    const tail = await store.get("long-1", { fromPosition: 1150 });
    expect(tail.map((message) => message.data)).toEqual(
      Array.from({ length: 50 }, (_, index) => 1150 + index),
    );
  });
});
