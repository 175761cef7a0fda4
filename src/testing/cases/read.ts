/** Reading streams and categories: missing ones, order, paging, `last`, `version`. */
import { expect } from "vitest";
import type { MessageStore } from "../../store.ts";
import { collect, readCategory, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const LONG_STREAM = 5000;
const BATCH = 250;

async function writeNumbered(store: MessageStore, stream: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const size = Math.min(BATCH, count - start);
    await store.write(
      stream,
      Array.from({ length: size }, (_, n) => ({ type: "Numbered", data: start + n })),
    );
  }
}

export function readCases({ store: newStore, test }: SuiteContext): void {
  test("a stream never written reads as empty, version -1, last undefined", async () => {
    const store = await newStore();
    const stream = `ghost-${uniqueId()}`;
    expect(await store.get(stream)).toEqual([]);
    expect(await collect(store.read(stream, { fromPosition: 3 }))).toEqual([]);
    expect(await store.version(stream)).toBe(-1);
    expect(await store.last(stream)).toBeUndefined();
    expect(await store.last(stream, { type: "Any" })).toBeUndefined();
    expect(await readCategory(store, "ghost")).toEqual([]);
    expect(await readCategory(store, `never${uniqueId()}`)).toEqual([]);
  });

  test("a stream of an existing category that was never written reads as empty", async () => {
    const store = await newStore();
    await store.write(`account-${uniqueId()}`, { type: "A" });
    const stream = `account-${uniqueId()}`;
    expect(await store.get(stream)).toEqual([]);
    expect(await store.version(stream)).toBe(-1);
    expect(await store.last(stream)).toBeUndefined();
  });

  test("read yields a stream's messages in position order, only that stream's", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const other = `account-${uniqueId()}`;
    for (let n = 0; n < 6; n += 1) {
      await store.write(stream, { type: "Mine", data: n });
      await store.write(other, { type: "Theirs", data: n });
    }
    // A stream id that extends another must not leak into it.
    await store.write(`${stream}0`, { type: "Prefixed" });
    const messages = await collect(store.read(stream));
    expect(messages.map((m) => m.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(messages.map((m) => m.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(messages.every((m) => m.streamName === stream && m.type === "Mine")).toBe(true);
  });

  test("fromPosition is inclusive and maxCount caps the total", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await writeNumbered(store, stream, 10);
    const positions = async (options: { fromPosition?: number; maxCount?: number }) =>
      (await store.get(stream, options)).map((m) => m.position);
    expect(await positions({ fromPosition: 3 })).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(await positions({ maxCount: 4 })).toEqual([0, 1, 2, 3]);
    expect(await positions({ fromPosition: 8, maxCount: 5 })).toEqual([8, 9]);
    expect(await positions({ fromPosition: 9 })).toEqual([9]);
    expect(await positions({ fromPosition: 10 })).toEqual([]);
    expect(await positions({ fromPosition: 2, maxCount: 0 })).toEqual([]);
  });

  test(
    "a 5,000-message stream reads back complete and in order, and pages",
    async () => {
      const store = await newStore();
      const stream = `account-${uniqueId()}`;
      await writeNumbered(store, stream, LONG_STREAM);
      const everything = await store.get(stream);
      expect(everything).toHaveLength(LONG_STREAM);
      everything.forEach((message, n) => {
        expect(message.position).toBe(n);
        expect(message.data).toBe(n);
      });
      expect(await store.version(stream)).toBe(LONG_STREAM - 1);
      const page = await store.get(stream, { fromPosition: 1500, maxCount: 1100 });
      expect(page.map((m) => m.position)).toEqual(Array.from({ length: 1100 }, (_, n) => 1500 + n));
      const tail = await store.get(stream, { fromPosition: 4000 });
      expect(tail.map((m) => m.data)).toEqual(Array.from({ length: 1000 }, (_, n) => 4000 + n));
      const head = await store.get(stream, { maxCount: 2000 });
      expect(head.map((m) => m.position)).toEqual(Array.from({ length: 2000 }, (_, n) => n));
      expect((await store.last(stream))?.position).toBe(LONG_STREAM - 1);
    },
    { timeoutMs: 120_000 },
  );

  test("readCategory yields every stream's messages in global order", async () => {
    const store = await newStore();
    const categoryName = `cat${uniqueId()}`;
    const written: [string, number][] = [];
    for (let n = 0; n < 9; n += 1) {
      const stream = `${categoryName}-${n % 3}`;
      const result = await store.write(stream, { type: "Step", data: n });
      written.push([stream, result.globalPosition]);
    }
    await store.write(`other${uniqueId()}-1`, { type: "Elsewhere" });
    const messages = await readCategory(store, categoryName);
    expect(messages.map((m) => m.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(messages.map((m) => [m.streamName, m.globalPosition])).toEqual(written);
    const globals = messages.map((m) => m.globalPosition);
    expect([...globals].sort((a, b) => a - b)).toEqual(globals);
    expect(new Set(globals).size).toBe(globals.length);
    expect(messages.map((m) => m.position)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(messages.every((m) => m.category === categoryName)).toBe(true);
  });

  test("a category containing '-' is written, ensured and read as { category }", async () => {
    const store = await newStore();
    const categoryName = `import-podcast${uniqueId()}:command`;
    await store.ensureCategory({ category: categoryName });
    await store.write({ category: categoryName, id: "65a1" }, { type: "Import", data: 1 });
    await store.write({ category: categoryName, id: "65a2" }, { type: "Import", data: 2 });
    const read = await collect(store.readCategory({ category: categoryName }));
    expect(read.map((message) => [message.category, message.streamId, message.data])).toEqual([
      [categoryName, "65a1", 1],
      [categoryName, "65a2", 2],
    ]);
  });

  test("readCategory: fromGlobalPosition is inclusive and maxCount caps", async () => {
    const store = await newStore();
    const categoryName = `cat${uniqueId()}`;
    const globals: number[] = [];
    for (let n = 0; n < 8; n += 1) {
      globals.push(
        (await store.write(`${categoryName}-${n % 2}`, { type: "S", data: n })).globalPosition,
      );
    }
    const from = globals[3] as number;
    const data = async (options: { fromGlobalPosition?: number; maxCount?: number }) =>
      (await readCategory(store, categoryName, options)).map((m) => m.data);
    expect(await data({ fromGlobalPosition: from })).toEqual([3, 4, 5, 6, 7]);
    expect(await data({ fromGlobalPosition: from, maxCount: 2 })).toEqual([3, 4]);
    expect(await data({ maxCount: 3 })).toEqual([0, 1, 2]);
    expect(await data({ fromGlobalPosition: (globals[7] as number) + 1 })).toEqual([]);
    expect(await data({ fromGlobalPosition: 0 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test("last gives the last message, or the last of a type", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, [
      { type: "Deposited", data: 1 },
      { type: "Withdrawn", data: 2 },
      { type: "Deposited", data: 3 },
      { type: "Closed", data: 4 },
    ]);
    expect(await store.last(stream)).toMatchObject({ type: "Closed", position: 3, data: 4 });
    expect(await store.last(stream, { type: "Deposited" })).toMatchObject({
      type: "Deposited",
      position: 2,
      data: 3,
    });
    expect(await store.last(stream, { type: "Withdrawn" })).toMatchObject({ position: 1 });
    expect(await store.last(stream, { type: "Reopened" })).toBeUndefined();
  });

  test("version follows every write", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    expect(await store.version(stream)).toBe(-1);
    await store.write(stream, { type: "A" });
    expect(await store.version(stream)).toBe(0);
    await store.write(stream, [{ type: "B" }, { type: "C" }]);
    expect(await store.version(stream)).toBe(2);
  });
}
