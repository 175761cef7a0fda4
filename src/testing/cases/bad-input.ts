/**
 * Bad input never reaches the backend: each case checks the typed error and that nothing was
 * written and earlier data is intact. Also limits, missing streams and closed stores.
 */
import { expect } from "vitest";
import {
  isClosedError,
  isInvalidMessageError,
  isInvalidOptionsError,
  isInvalidStreamNameError,
  isStreamFullError,
  isStreamNotFoundError,
} from "../../errors.ts";
import type { Message } from "../../message.ts";
import type { MessageStore, WriteOptions } from "../../store.ts";
import { collect, readCategory, summary, thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const INVALID_STREAM_NAMES = [
  "",
  "acct-",
  "-1",
  "acct 1-2",
  "acct-1 2",
  "acct-\t1",
  "acct.x-1",
  "acct-1.2",
  "acct-*",
  "acct*-1",
  "acct->",
  "acct>-1",
];

const ONE_MIB = 1024 * 1024;

/** A stream with two messages, and a check that it still holds exactly them. */
async function seeded(store: MessageStore): Promise<{ stream: string; intact(): Promise<void> }> {
  const stream = `acct-${uniqueId()}`;
  await store.write(stream, [
    { type: "Opened", data: { n: 1 } },
    { type: "Deposited", data: { n: 2 } },
  ]);
  const before = summary(await store.get(stream));
  return {
    stream,
    async intact() {
      expect(await store.version(stream)).toBe(1);
      expect(summary(await store.get(stream))).toEqual(before);
    },
  };
}

// Deliberately ill-typed values, as JavaScript callers or untyped JSON would pass them.
const untyped = <T>(value: unknown): T => value as T;

export function badInputCases({ store: newStore, test }: SuiteContext): void {
  test("invalid stream names throw InvalidStreamNameError and write nothing", async () => {
    const store = await newStore();
    const { intact } = await seeded(store);
    for (const name of INVALID_STREAM_NAMES) {
      const calls: [string, () => Promise<unknown>][] = [
        ["write", () => store.write(name, { type: "A" })],
        ["get", () => store.get(name)],
        ["version", () => store.version(name)],
        ["last", () => store.last(name)],
        ["fetch", () => store.fetch(name, { init: 0, handlers: {} })],
        ["waitFor", () => store.waitFor(name, () => true, { timeoutMs: 50 })],
      ];
      for (const [what, call] of calls) {
        const label = `${what}(${JSON.stringify(name)})`;
        expect(isInvalidStreamNameError(await thrownBy(call, label)), label).toBe(true);
      }
    }
    for (const ref of [
      { category: "", id: "1" },
      { category: "acct", id: "" },
      { category: "ac ct", id: "1" },
      { category: "acct", id: "1.2" },
      { category: "a*", id: "1" },
    ]) {
      const error = await thrownBy(() => store.write(ref, { type: "A" }));
      expect(isInvalidStreamNameError(error), JSON.stringify(ref)).toBe(true);
    }
    expect(await readCategory(store, "acct")).toHaveLength(2);
    await intact();
  });

  test("a category alone is not a stream to write", async () => {
    const store = await newStore();
    const error = await thrownBy(() => store.write("acct", { type: "A" }));
    expect(isInvalidStreamNameError(error)).toBe(true);
    expect(await readCategory(store, "acct")).toEqual([]);
  });

  test("invalid messages throw InvalidMessageError and write nothing", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const bad: [string, unknown][] = [
      ["no type", { data: {} }],
      ["empty type", { type: "", data: {} }],
      ["non-string type", { type: 5 }],
      ["metadata an array", { type: "A", metadata: [1] }],
      ["metadata a string", { type: "A", metadata: "x" }],
      ["metadata null", { type: "A", metadata: null }],
      ["BigInt data", { type: "A", data: { n: 10n } }],
      ["a function as data", { type: "A", data: () => 1 }],
      [
        "circular data",
        (() => {
          const data: Record<string, unknown> = {};
          data.self = data;
          return { type: "A", data };
        })(),
      ],
      ["BigInt metadata", { type: "A", metadata: { n: 1n } }],
      ["id not a UUID", { id: "not-a-uuid", type: "A" }],
      ["id a number", { id: 7, type: "A" }],
      ["not an object", "A"],
      ["null", null],
    ];
    for (const [what, message] of bad) {
      const error = await thrownBy(() => store.write(stream, untyped<Message>(message)), what);
      expect(isInvalidMessageError(error), what).toBe(true);
      // One bad message anywhere in an array refuses the whole array.
      const inArray = await thrownBy(() =>
        store.write(stream, [{ type: "Fine" }, untyped<Message>(message)]),
      );
      expect(isInvalidMessageError(inArray), `${what} in an array`).toBe(true);
    }
    const empty = await thrownBy(() => store.write(stream, []));
    expect(isInvalidMessageError(empty), "an empty array").toBe(true);
    await intact();
  });

  test("invalid options throw InvalidOptionsError and write nothing", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const accepted: string[] = [];
    for (const expectedVersion of [-2, 1.5, "1", "latest", null, Number.NaN, {}]) {
      const error = await store
        .write(stream, { type: "A" }, untyped<WriteOptions>({ expectedVersion }))
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      if (!isInvalidOptionsError(error))
        accepted.push(`expectedVersion ${JSON.stringify(expectedVersion)}`);
    }
    const readErrors: [string, () => Promise<unknown>][] = [
      ["get fromPosition -1", () => store.get(stream, { fromPosition: -1 })],
      ["get fromPosition 1.5", () => store.get(stream, { fromPosition: 1.5 })],
      ["get maxCount -1", () => store.get(stream, { maxCount: -1 })],
      [
        "readCategory fromGlobalPosition -1",
        () => collect(store.readCategory("acct", { fromGlobalPosition: -1 })),
      ],
      ["readCategory maxCount -3", () => collect(store.readCategory("acct", { maxCount: -3 }))],
      ["waitFor timeoutMs -1", () => store.waitFor(stream, () => true, { timeoutMs: -1 })],
    ];
    for (const [what, call] of readErrors) {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!isInvalidOptionsError(error)) accepted.push(what);
    }
    // Every bad option listed, so one report names them all.
    expect(accepted).toEqual([]);
    await intact();
  });

  test("an unknown write option key is refused, so a typo never writes unchecked", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const error = await thrownBy(() =>
      store.write(stream, { type: "A" }, untyped<WriteOptions>({ expectedVerison: 1 })),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
    await intact();
  });

  test("two messages with one id in an array write throw InvalidMessageError and write nothing", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const id = "0b7f4a52-6c1d-4e8a-9d3f-2a5e7c9b1d40";
    const error = await thrownBy(() =>
      store.write(stream, [
        { id, type: "A" },
        { id, type: "B" },
      ]),
    );
    expect(isInvalidMessageError(error)).toBe(true);
    await intact();
  });

  test("a message over maxMessageSize throws InvalidMessageError and writes nothing", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const limit = store.options.maxMessageSize ?? ONE_MIB;
    const error = await thrownBy(() =>
      store.write(stream, { type: "Huge", data: "x".repeat(limit + 1) }),
    );
    expect(isInvalidMessageError(error)).toBe(true);
    const inArray = await thrownBy(() =>
      store.write(stream, [{ type: "Small" }, { type: "Huge", data: "x".repeat(limit + 1) }]),
    );
    expect(isInvalidMessageError(inArray)).toBe(true);
    await intact();
    // Just under the limit is fine.
    const fits = await store.write(stream, { type: "Big", data: "x".repeat(limit - 1024) });
    expect(fits.position).toBe(2);
  });

  test("a full category throws StreamFullError and drops nothing", async () => {
    const store = await newStore();
    const categoryName = `full${uniqueId()}`;
    await store.ensureCategory(categoryName, { maxBytes: 4096 });
    const stream = `${categoryName}-1`;
    const payload = "y".repeat(200);
    let written = 0;
    let failure: unknown;
    while (written < 100) {
      try {
        await store.write(stream, { type: "Filler", data: { n: written, payload } });
        written += 1;
      } catch (error) {
        failure = error;
        break;
      }
    }
    expect(isStreamFullError(failure)).toBe(true);
    expect(written).toBeGreaterThan(0);
    const messages = await store.get(stream);
    expect(messages.map((m) => (m.data as { n: number }).n)).toEqual(
      Array.from({ length: written }, (_, n) => n),
    );
    expect(await store.version(stream)).toBe(written - 1);
    // Still full: a retry is refused too, and nothing old was evicted.
    expect(isStreamFullError(await thrownBy(() => store.write(stream, { type: "More" })))).toBe(
      true,
    );
    expect(await store.get(stream)).toHaveLength(written);
  });

  test("createMissingStreams: false refuses writes to a new category but reads fine", async () => {
    const store = await newStore({ createMissingStreams: false });
    const categoryName = `strict${uniqueId()}`;
    const stream = `${categoryName}-1`;
    const error = await thrownBy(() => store.write(stream, { type: "A" }));
    expect(isStreamNotFoundError(error)).toBe(true);
    expect(await store.get(stream)).toEqual([]);
    expect(await store.version(stream)).toBe(-1);
    expect(await readCategory(store, categoryName)).toEqual([]);
    await store.ensureCategory(categoryName);
    expect((await store.write(stream, { type: "A" })).position).toBe(0);
    expect(await store.version(stream)).toBe(0);
  });

  test("ensureCategory is idempotent and the category is then written normally", async () => {
    const store = await newStore();
    const categoryName = `ensured${uniqueId()}`;
    await store.ensureCategory(categoryName);
    await store.ensureCategory(categoryName);
    expect(await readCategory(store, categoryName)).toEqual([]);
    await store.write(`${categoryName}-1`, [{ type: "A" }, { type: "B" }]);
    expect(await store.version(`${categoryName}-1`)).toBe(1);
  });

  test("a closed store throws ClosedError; close() is idempotent", async () => {
    const store = await newStore();
    const stream = `acct-${uniqueId()}`;
    await store.write(stream, { type: "A" });
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const calls: [string, () => unknown][] = [
      ["write", () => store.write(stream, { type: "B" })],
      ["get", () => store.get(stream)],
      ["read", () => collect(store.read(stream))],
      ["readCategory", () => collect(store.readCategory("acct"))],
      ["version", () => store.version(stream)],
      ["last", () => store.last(stream)],
      ["fetch", () => store.fetch(stream, { init: 0, handlers: {} })],
      ["waitFor", () => store.waitFor(stream, () => true, { timeoutMs: 50 })],
      ["ensureCategory", () => store.ensureCategory("acct")],
      ["subscribe", () => store.subscribe("acct", { consumer: "c", handlers: {} })],
    ];
    for (const [what, call] of calls) {
      expect(isClosedError(await thrownBy(call, what)), what).toBe(true);
    }
  });

  test("Symbol.asyncDispose closes the store", async () => {
    const store = await newStore();
    const stream = `acct-${uniqueId()}`;
    await store.write(stream, { type: "A" });
    await store[Symbol.asyncDispose]();
    expect(isClosedError(await thrownBy(() => store.write(stream, { type: "B" })))).toBe(true);
    await store[Symbol.asyncDispose]();
  });
}
