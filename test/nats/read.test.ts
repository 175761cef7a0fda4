// NATS-specific reads: paging past the server's 1024-subject cap, other writers' messages, category reads.
import { describe, expect, it } from "vitest";
import { hasNats } from "../support/nats.ts";
import { recordingLogger } from "../support/recording-logger.ts";
import { encode, useNatsTestBed } from "./nats-helpers.ts";

describe.skipIf(!hasNats())("NATS reads", () => {
  const bed = useNatsTestBed("read");
  const open = bed.open;

  it("reads a 5,000-message entity back complete and in order, also from a position", async () => {
    const store = await open();
    // Interleave another entity so the entity's sequences are not contiguous.
    for (let start = 0; start < 5000; start += 100) {
      const batch = Array.from({ length: 100 }, (_, offset) => ({
        type: "Counted",
        data: start + offset,
      }));
      await store.write("long-1", batch);
      await store.write("long-2", { type: "Noise" });
    }
    const all = await store.get("long-1");
    expect(all).toHaveLength(5000);
    expect(
      all.every((message, index) => message.position === index && message.data === index),
    ).toBe(true);
    const tail = await store.get("long-1", { fromPosition: 3000, maxCount: 1500 });
    expect(tail.map((m) => m.position)).toEqual(Array.from({ length: 1500 }, (_, i) => 3000 + i));
    expect(await store.version("long-1")).toBe(4999);
    expect((await store.last("long-1"))?.data).toBe(4999);
    const few = await store.get("long-1", { fromPosition: 4998 });
    expect(few.map((m) => m.position)).toEqual([4998, 4999]);
  });

  it("merges other writers' messages in sequence order and counts their positions", async () => {
    const store = await open();
    const { prefix } = store.options;
    await store.write("mix-1", { type: "Ours" });
    // As Zencastr or `nats pub` would: on the entity subject, and on a non-position subject.
    await bed.raw().connection.request(`${prefix}.mix.1`, encode({ type: "Theirs", data: 1 }));
    await bed.raw().connection.request(`${prefix}.mix.1.note`, encode({ type: "Theirs", data: 2 }));
    const read = await store.get("mix-1");
    expect(read.map((m) => [m.type, m.position, m.globalPosition])).toEqual([
      ["Ours", 0, 1],
      ["Theirs", 1, 2],
      ["Theirs", 2, 3],
    ]);
    // A stable id is derived for messages without one.
    const again = await store.get("mix-1");
    expect(again[1]?.id).toBe(read[1]?.id);
    expect(read[1]?.id).not.toBe(read[2]?.id);
    expect(await store.version("mix-1")).toBe(2);
    const category = [];
    for await (const message of store.readCategory("mix")) category.push(message.position);
    expect(category).toEqual([0, -1, -1]);
  });

  it("warns once per stream when another writer's message sits where the write checks cannot see it, and counts it", async () => {
    const logger = recordingLogger();
    const warnings = () => logger.entries.filter((entry) => entry.level === "warn");
    const writer = await open();
    const { prefix } = writer.options;
    await writer.write("shared-1", { type: "Ours" });
    await bed.raw().connection.request(`${prefix}.shared.1`, encode({ type: "Theirs" }));
    await writer.write("plain-1", { type: "Ours" });
    // A store that has not cached the entity looks its end up, and counts the other message.
    const reader = await open({ prefix, logger });
    expect(await reader.version("plain-1")).toBe(0);
    expect(warnings()).toEqual([]);
    expect(await reader.version("shared-1")).toBe(1);
    const written = await reader.write("shared-1", { type: "Ours" }, { expectedVersion: 1 });
    expect(written.position).toBe(2);
    expect((await reader.get("shared-1")).map((m) => [m.type, m.position])).toEqual([
      ["Ours", 0],
      ["Theirs", 1],
      ["Ours", 2],
    ]);
    expect(await reader.version("shared-1")).toBe(2);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toMatch(
      /entity's own subject in the position layout.*zencastr layout/,
    );
    expect(warnings()[0]?.fields).toMatchObject({ category: "shared", streamName: "shared-1" });
    // A store behind the entity confirms the position it expects, which is there (0), and the
    // bare subject beside it, which is not empty: so it looks the end up in full and refuses,
    // rather than publish to the free position subject 1 after the other writer's message.
    const late = await open({ prefix });
    await expect(
      late.write("shared-1", { type: "Late" }, { expectedVersion: 0 }),
    ).rejects.toMatchObject({ name: "ExpectedVersionError", expected: 0, actual: 2 });
    expect(await reader.version("shared-1")).toBe(2);
  });

  it("warns of another writer's message on an unguarded position-layout category too", async () => {
    const logger = recordingLogger();
    const store = await open({ logger });
    const { prefix } = store.options;
    await store.ensureCategory("loose", { positionGuard: false });
    await store.write("loose-1", { type: "Ours" });
    await bed.raw().connection.request(`${prefix}.loose.1`, encode({ type: "Theirs" }));
    await bed.raw().connection.request(`${prefix}.loose.1`, encode({ type: "Theirs" }));
    const fresh = await open({ prefix, logger });
    expect(await fresh.version("loose-1")).toBe(2);
    const warnings = logger.entries.filter((entry) => entry.level === "warn");
    expect(warnings.map((entry) => entry.message)).toEqual([
      expect.stringMatching(/entity's own subject in the position layout/),
    ]);
  });

  it("skips malformed bodies in a category read and reads from a global position", async () => {
    const store = await open();
    const { prefix } = store.options;
    await store.write("log-1", { type: "A" });
    await bed.raw().connection.request(`${prefix}.log.2.0`, encode("not json"));
    await bed.raw().connection.request(`${prefix}.log.3.0`, encode({ data: "no type" }));
    await store.write("log-4", { type: "B" });
    await store.write("log-5", { type: "C" });
    const read = [];
    for await (const message of store.readCategory("log")) read.push(message.type);
    expect(read).toEqual(["A", "B", "C"]);
    const later = [];
    for await (const message of store.readCategory("log", { fromGlobalPosition: 4, maxCount: 1 }))
      later.push([message.type, message.globalPosition, message.streamName]);
    expect(later).toEqual([["B", 4, "log-4"]]);
  });

  it("reads nothing from a category or stream that was never written", async () => {
    const store = await open();
    expect(await store.get("ghost-1")).toEqual([]);
    expect(await store.version("ghost-1")).toBe(-1);
    expect(await store.last("ghost-1")).toBeUndefined();
    const read = [];
    for await (const message of store.readCategory("ghost")) read.push(message);
    expect(read).toEqual([]);
  });
});
