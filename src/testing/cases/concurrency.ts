/** Optimistic concurrency: dense positions under contention, one winner, every expected-version form. */
import { expect } from "vitest";
import { ExpectedVersionError, isExpectedVersionError } from "../../errors.ts";
import type { ExpectedVersion } from "../../expected-version.ts";
import type { MessageStore } from "../../store.ts";
import { summary, thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

async function expectConflict(
  store: MessageStore,
  stream: string,
  expectedVersion: ExpectedVersion,
  actual: number,
): Promise<void> {
  const before = summary(await store.get(stream));
  const error = await thrownBy(() => store.write(stream, { type: "Refused" }, { expectedVersion }));
  expect(isExpectedVersionError(error)).toBe(true);
  expect(error).toBeInstanceOf(ExpectedVersionError);
  expect(error).toMatchObject({ stream, expected: expectedVersion, actual });
  expect(summary(await store.get(stream))).toEqual(before);
}

export function concurrencyCases({ store: newStore, sibling, test }: SuiteContext): void {
  test(
    "50 concurrent writes without an expected version get dense positions 0..49",
    async () => {
      const store = await newStore();
      const stream = `account-${uniqueId()}`;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, n) => store.write(stream, { type: "Counted", data: n })),
      );
      const positions = results.map((r) => r.position).sort((a, b) => a - b);
      expect(positions).toEqual(Array.from({ length: 50 }, (_, n) => n));
      expect(await store.version(stream)).toBe(49);
      const messages = await store.get(stream);
      expect(messages.map((m) => m.position)).toEqual(positions);
      // Each write landed exactly once, where its result says.
      const byData = new Map(messages.map((m) => [m.data, m.position]));
      expect(byData.size).toBe(50);
      for (const [n, result] of results.entries()) expect(byData.get(n)).toBe(result.position);
    },
    { timeoutMs: 30_000 },
  );

  test("10 concurrent writes with the same expected version: exactly one wins", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { type: "Opened" });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) =>
        store.write(stream, { type: "Raced", data: n }, { expectedVersion: 0 }),
      ),
    );
    const winners = outcomes.filter((o) => o.status === "fulfilled");
    const losers = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(winners).toHaveLength(1);
    expect(winners[0]?.value.position).toBe(1);
    expect(losers).toHaveLength(9);
    for (const error of losers) {
      expect(isExpectedVersionError(error)).toBe(true);
      expect(error).toMatchObject({ stream, expected: 0, actual: 1 });
    }
    expect(await store.version(stream)).toBe(1);
    expect(await store.get(stream)).toHaveLength(2);
  });

  test("expectedVersion as a number must equal the stream's version", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await expectConflict(store, stream, 0, -1);
    expect((await store.write(stream, { type: "A" }, { expectedVersion: -1 })).position).toBe(0);
    expect((await store.write(stream, { type: "B" }, { expectedVersion: 0 })).position).toBe(1);
    await expectConflict(store, stream, 0, 1);
    await expectConflict(store, stream, 5, 1);
    await expectConflict(store, stream, -1, 1);
  });

  test("a store behind another one checks an exact expected version with the server, and one ahead stores nothing", async () => {
    const first = await newStore();
    const stream = `account-${uniqueId()}`;
    await first.write(stream, [{ type: "A" }, { type: "B" }, { type: "C" }]);
    // Never seen the entity: ahead of it, behind it, then at its end.
    const second = await sibling(first);
    await expectConflict(second, stream, 5, 2);
    await expectConflict(second, stream, 1, 2);
    expect((await second.write(stream, { type: "D" }, { expectedVersion: 2 })).position).toBe(3);
    // Its cache at 2, behind: the version the other store reached, then one past the end.
    expect((await first.write(stream, { type: "E" }, { expectedVersion: 3 })).position).toBe(4);
    await expectConflict(first, stream, 7, 4);
    // Seen at 3, behind again: the version it has not seen, but one the entity has passed.
    await expectConflict(second, stream, 3, 4);
    const messages = await first.get(stream);
    expect(messages.map((m) => [m.position, m.type])).toEqual([
      [0, "A"],
      [1, "B"],
      [2, "C"],
      [3, "D"],
      [4, "E"],
    ]);
  });

  test('expectedVersion "no_stream" only writes a new stream', async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const result = await store.write(stream, { type: "A" }, { expectedVersion: "no_stream" });
    expect(result.position).toBe(0);
    await expectConflict(store, stream, "no_stream", 0);
  });

  test('expectedVersion "exists" needs at least one message', async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await expectConflict(store, stream, "exists", -1);
    await store.write(stream, { type: "A" });
    const result = await store.write(stream, { type: "B" }, { expectedVersion: "exists" });
    expect(result.position).toBe(1);
  });

  test('expectedVersion "any" (the default) always writes', async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    expect((await store.write(stream, { type: "A" }, { expectedVersion: "any" })).position).toBe(0);
    expect((await store.write(stream, { type: "B" }, { expectedVersion: "any" })).position).toBe(1);
    expect((await store.write(stream, { type: "C" })).position).toBe(2);
  });

  test("a stale array write stores nothing", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, [{ type: "A" }, { type: "B" }]);
    const before = summary(await store.get(stream));
    const error = await thrownBy(() =>
      store.write(stream, [{ type: "C" }, { type: "D" }, { type: "E" }], { expectedVersion: 0 }),
    );
    expect(isExpectedVersionError(error)).toBe(true);
    expect(error).toMatchObject({ stream, expected: 0, actual: 1 });
    expect(summary(await store.get(stream))).toEqual(before);
    expect(await store.version(stream)).toBe(1);
  });

  test("an array write with a matching expected version lands at consecutive positions", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { type: "A" });
    const result = await store.write(stream, [{ type: "B" }, { type: "C" }], {
      expectedVersion: 0,
    });
    expect(result.position).toBe(2);
    expect((await store.get(stream)).map((m) => m.type)).toEqual(["A", "B", "C"]);
  });

  test("concurrent array writes never interleave", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await Promise.all(
      Array.from({ length: 5 }, (_, batch) =>
        store.write(
          stream,
          Array.from({ length: 4 }, (_, n) => ({ type: "Part", data: { batch, n } })),
        ),
      ),
    );
    const messages = await store.get(stream);
    expect(messages.map((m) => m.position)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    for (let start = 0; start < 20; start += 4) {
      const group = messages
        .slice(start, start + 4)
        .map((m) => m.data as { batch: number; n: number });
      expect(new Set(group.map((d) => d.batch)).size).toBe(1);
      expect(group.map((d) => d.n)).toEqual([0, 1, 2, 3]);
    }
  });
}
