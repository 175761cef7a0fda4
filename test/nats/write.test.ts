// NATS-specific write behaviour: what lands on the server, and how JetStream refusals translate.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ExpectedVersionError,
  isExpectedVersionError,
  isStreamFullError,
} from "../../src/index.ts";
import { hasNats } from "../support/nats.ts";
import { useNatsTestBed } from "./nats-helpers.ts";

describe.skipIf(!hasNats())("NATS writes", () => {
  const bed = useNatsTestBed("write");
  const open = bed.open;

  it("stores a single message on its position subject, without headers, id in the body", async () => {
    const store = await open();
    const { prefix } = store.options;
    const id = "5f0c1c1e-8d1b-4a53-9f7e-0c6a2b9d1e01";
    await store.write("account-1", { type: "Opened", data: { owner: "ann" } });
    await store.write("account-1", { id, type: "Deposited", data: 5, metadata: { by: "x" } });
    const stored = await bed.raw().manager.streams.getMessage(`${prefix}-account`, {
      last_by_subj: `${prefix}.account.1.1`,
    });
    expect(stored?.subject).toBe(`${prefix}.account.1.1`);
    expect(stored?.header === undefined || [...stored.header.keys()].length === 0).toBe(true);
    expect(stored?.string()).toBe(
      `{"type":"Deposited","data":5,"metadata":{"by":"x"},"id":"${id}"}`,
    );
  });

  it("writes an array as one atomic batch on consecutive positions, or nothing on conflict", async () => {
    const store = await open();
    const other = await open({ prefix: store.options.prefix });
    await other.write("cart-1", { type: "Created" });
    const result = await store.write("cart-1", [{ type: "A" }, { type: "B" }, { type: "C" }], {
      expectedVersion: 0,
    });
    expect(result.position).toBe(3);
    // `other` still believes the version is 0, so its batch reaches the server and collides
    // there (10077 on the commit), which must still read as ExpectedVersionError.
    const error = await other
      .write("cart-1", [{ type: "X" }, { type: "Y" }], { expectedVersion: 0 })
      .catch((e: unknown) => e);
    expect(isExpectedVersionError(error)).toBe(true);
    expect((error as ExpectedVersionError).actual).toBe(3);
    expect((await store.get("cart-1")).map((m) => m.type)).toEqual(["Created", "A", "B", "C"]);
  });

  it("turns a taken position into ExpectedVersionError with the actual version", async () => {
    const first = await open();
    const second = await open({ prefix: first.options.prefix });
    await first.write("item-1", { type: "A" });
    await second.write("item-1", { type: "B" }, { expectedVersion: 0 });
    // `first` still believes the version is 0: the guard refuses position 1 (10077).
    const error = await first
      .write("item-1", { type: "C" }, { expectedVersion: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpectedVersionError);
    expect((error as ExpectedVersionError).actual).toBe(1);
  });

  it("retries a blind write at the new end when another store wrote first", async () => {
    const first = await open();
    const second = await open({ prefix: first.options.prefix });
    await first.write("queue-1", { type: "A" });
    await second.write("queue-1", { type: "B" });
    await expect(first.write("queue-1", { type: "C" })).resolves.toMatchObject({ position: 2 });
    expect((await second.get("queue-1")).map((m) => m.type)).toEqual(["A", "B", "C"]);
  });

  it("a blind writer that lost a race tries the next position at once, then looks before publishing", async () => {
    const first = await open();
    const second = await open({ prefix: first.options.prefix });
    const { prefix } = first.options;
    for (let index = 0; index < 5; index += 1) await first.write("race-1", { type: "A" });
    // A core subscriber sees every publish and direct get, stored or refused.
    const { connection } = bed.raw();
    const published: string[] = [];
    let directGets = 0;
    const publishes = connection.subscribe(`${prefix}.race.1.*`, {
      callback: (_error, message) => {
        published.push(message.subject.slice(prefix.length + 1));
      },
    });
    const gets = connection.subscribe(`$JS.API.DIRECT.GET.${prefix}-race`, {
      callback: () => {
        directGets += 1;
      },
    });
    await connection.flush();

    // Never seen: it guesses a new entity and learns the end beside the refusal at 0, then
    // takes the position after that end without looking again.
    await expect(second.write("race-1", { type: "B" })).resolves.toMatchObject({ position: 5 });
    // The first store's own end (4) is stale now: refused at 5, it looks, then takes 6. The
    // end it found was the one it knew, so the race is over and it publishes 7 and 8 at once.
    for (let index = 0; index < 3; index += 1) await first.write("race-1", { type: "A" });
    // The second store's own end (5) is stale too, and it saw a race a moment ago: it looks
    // first rather than publish at 6, where it would only be refused.
    await expect(second.write("race-1", { type: "C" })).resolves.toMatchObject({ position: 9 });

    await connection.flush();
    publishes.unsubscribe();
    gets.unsubscribe();
    expect(published).toEqual(["0", "5", "5", "6", "7", "8", "9"].map((p) => `race.1.${p}`));
    // Three lookups, each a direct get on the position wildcard and one on the bare subject;
    // a fourth only if the machine stalls the retry past PROBE_FRESH_MS, and it looks instead.
    expect(directGets).toBeGreaterThanOrEqual(6);
    expect(directGets).toBeLessThanOrEqual(8);
  });

  for (const [label, settings] of [
    ["an unguarded category", { positionGuard: false }],
    ["the zencastr layout", { layout: "zencastr" }],
  ] as const) {
    it(`blind writers in several stores racing on ${label}: dense, each write stored once`, async () => {
      const first = await open();
      const category = `plain${label.length}`;
      await first.ensureCategory(category, settings);
      const stores = [first];
      for (let index = 1; index < 4; index += 1)
        stores.push(await open({ prefix: first.options.prefix }));
      const streams = [`${category}-1`, `${category}-2`];
      const written = await Promise.all(
        stores.flatMap((store, storeIndex) =>
          [0, 1].map(async (writer) => {
            const ids: string[] = [];
            for (let attempt = 0; attempt < 6; attempt += 1) {
              const id = randomUUID();
              await store.write(streams[(writer + attempt) % 2] as string, {
                id,
                type: "Raced",
                data: { storeIndex, writer },
              });
              ids.push(id);
            }
            return ids;
          }),
        ),
      );
      const stored = (await Promise.all(streams.map((stream) => first.get(stream)))).flat();
      for (const stream of streams) {
        const positions = stored.filter((m) => m.streamName === stream).map((m) => m.position);
        expect(positions).toEqual(positions.map((_, index) => index));
      }
      expect(stored.map((m) => m.id).sort()).toEqual(written.flat().sort());
    });
  }

  for (const [label, settings] of [
    ["a guarded category", {}],
    ["an unguarded category", { positionGuard: false }],
  ] as const) {
    it(`a store behind the entity confirms the expected version's own position, never the last one on the wildcard, on ${label}`, async () => {
      const first = await open();
      const { prefix } = first.options;
      const category = `behind${label.length}`;
      await first.ensureCategory(category, settings);
      const stream = `${category}-1`;
      await first.write(stream, [{ type: "A" }, { type: "B" }, { type: "C" }]);
      // What each direct get asks for, seen from a core subscription.
      const { connection } = bed.raw();
      const asked: string[] = [];
      const gets = connection.subscribe(`$JS.API.DIRECT.GET.${prefix}-${category}`, {
        callback: (_error, message) => {
          asked.push((message.json() as { last_by_subj: string }).last_by_subj);
        },
      });
      await connection.flush();

      const second = await open({ prefix });
      await expect(
        second.write(stream, { type: "D" }, { expectedVersion: 2 }),
      ).resolves.toMatchObject({ position: 3 });
      await connection.flush();
      // The position it expects and the bare subject (other writers), both exact subjects: the
      // server answers a wildcard by going through every position of the entity.
      expect(asked.sort()).toEqual([`${prefix}.${category}.1`, `${prefix}.${category}.1.2`]);

      // A version the entity has passed is refused by the publish, then looked up in full for
      // the error; one it has not reached is not there, and is looked up in full before anything
      // is published.
      const third = await open({ prefix });
      for (const expectedVersion of [1, 9]) {
        await expect(third.write(stream, { type: "X" }, { expectedVersion })).rejects.toMatchObject(
          { name: "ExpectedVersionError", expected: expectedVersion, actual: 3 },
        );
      }
      gets.unsubscribe();
      expect((await first.get(stream)).map((message) => message.type)).toEqual([
        "A",
        "B",
        "C",
        "D",
      ]);
    });
  }

  it("answers a retry from another process with the first result, looking only where it could have landed", async () => {
    const first = await open();
    const second = await open({ prefix: first.options.prefix });
    const batch = [
      { id: randomUUID(), type: "A" },
      { id: randomUUID(), type: "B" },
    ];
    const landed = await first.write("retry-1", batch, { expectedVersion: -1 });
    expect(landed.position).toBe(1);
    // Other writes land behind it; the retry still finds the batch at positions 0 and 1.
    await first.write("retry-1", { type: "C" });
    await expect(second.write("retry-1", batch, { expectedVersion: -1 })).resolves.toEqual(landed);
    // A different write with the same stale expectation is a conflict, not a retry.
    const error = await second
      .write("retry-1", { id: randomUUID(), type: "D" }, { expectedVersion: -1 })
      .catch((e: unknown) => e);
    expect(isExpectedVersionError(error)).toBe(true);
    expect((await second.get("retry-1")).map((m) => m.type)).toEqual(["A", "B", "C"]);
  });

  it("keeps the writes of one process to one entity in call order", async () => {
    const store = await open();
    const writes = Array.from({ length: 20 }, (_, index) =>
      store.write(index % 2 === 0 ? "seq-1" : "seq-2", { type: "N", data: index }),
    );
    await Promise.all(writes);
    expect((await store.get("seq-1")).map((m) => m.data)).toEqual([
      0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
    ]);
    expect((await store.get("seq-2")).map((m) => m.position)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it("refuses writes to a full category with StreamFullError and drops nothing", async () => {
    const store = await open({ maxBytes: 4096 });
    const data = "x".repeat(900);
    let error: unknown;
    let written = 0;
    for (let index = 0; index < 20 && error === undefined; index += 1) {
      try {
        await store.write(`big-${index}`, { type: "Filler", data });
        written += 1;
      } catch (caught) {
        error = caught;
      }
    }
    expect(isStreamFullError(error)).toBe(true);
    expect(written).toBeGreaterThan(0);
    const kept: number[] = [];
    for await (const message of store.readCategory("big")) kept.push(message.globalPosition);
    expect(kept).toHaveLength(written);
    expect(kept[0]).toBe(1);
  });

  it("recreates a category's stream deleted behind its back, after one failed write", async () => {
    const store = await open();
    await store.write("gone-1", { type: "A" });
    await bed.raw().manager.streams.delete(`${store.options.prefix}-gone`);
    await expect(store.write("gone-1", { type: "B" })).rejects.toMatchObject({ code: "BACKEND" });
    await expect(store.write("gone-1", { type: "C" })).resolves.toMatchObject({ position: 0 });
  });
});
