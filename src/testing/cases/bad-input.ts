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
import { MAX_MESSAGES_PER_WRITE, type Message } from "../../message.ts";
import type { FetchOptions, MessageStore, WriteOptions } from "../../store.ts";
import { MAX_CATEGORY_BYTES, MAX_ID_BYTES } from "../../stream-name.ts";
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
  // Each of these once passed the store's checks and failed in nats-server or nats.js.
  "$JS-API",
  "$SYS-1",
  "_INBOX-1",
  "a/b-1",
  "a\\b-1",
  "a\u0000b-1",
  "a\u007fb-1",
  "acct-1\u007f",
  "acct-\ud800",
  "\u{3347a}-1",
  `${"c".repeat(MAX_CATEGORY_BYTES + 1)}-1`,
  `acct-${"i".repeat(MAX_ID_BYTES + 1)}`,
  `acct-${"i".repeat(4090)}`,
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
      ["an unknown key (a typo of data)", { type: "A", dat: { n: 1 } }],
      ["a read message passed back", { type: "A", data: {}, streamName: "acct-1", position: 0 }],
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

  test("a message with an unknown key is refused with the key named", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const typo = await thrownBy(() => store.write(stream, untyped<Message>({ type: "A", dat: 1 })));
    expect(typo).toMatchObject({ name: "InvalidMessageError" });
    expect((typo as Error).message).toContain('unknown key "dat"');
    const [read] = await store.get(stream);
    const again = await thrownBy(() => store.write(stream, untyped<Message>(read)));
    expect((again as Error).message).toMatch(/unknown key .*follow\(message\)/);
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

  test("names at the length limits are written and read back", async () => {
    const store = await newStore();
    const longest = { category: "c".repeat(MAX_CATEGORY_BYTES), id: "i".repeat(MAX_ID_BYTES) };
    await store.write(longest, { type: "A" });
    expect(await store.version(longest)).toBe(0);
    expect((await store.get(longest)).map((m) => m.streamId)).toEqual([longest.id]);
    // Letters beyond ASCII count in UTF-8 bytes: 512 two-byte letters fill the id.
    const wide = `acct-${"é".repeat(MAX_ID_BYTES / 2)}`;
    await store.write(wide, { type: "A" });
    expect((await store.last(wide))?.streamName).toBe(wide);
  });

  test("an id holds any character a subject token can; a category any up to U+FFFF", async () => {
    const store = await newStore();
    const names = [
      "acct-a/b\\c$d",
      "acct-😀é\u00ad",
      "é\u0378\u200b:x+y-1",
      { category: "import-podcast:command", id: "🎙/1" },
    ];
    for (const name of names) {
      await store.write(name, { type: "A", data: name });
      const [message] = await store.get(name);
      expect(message?.data, JSON.stringify(name)).toEqual(name);
      expect(await store.version(name)).toBe(0);
    }
  });

  test("fetch and last refuse missing or malformed arguments with InvalidOptionsError", async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const calls: [string, () => Promise<unknown>][] = [
      ["fetch(s)", () => store.fetch(stream, untyped<FetchOptions<number>>(undefined))],
      ["fetch(s, null)", () => store.fetch(stream, untyped<FetchOptions<number>>(null))],
      ["fetch(s, {})", () => store.fetch(stream, untyped<FetchOptions<number>>({}))],
      [
        "fetch without handlers",
        () => store.fetch(stream, untyped<FetchOptions<number>>({ init: 0 })),
      ],
      [
        "fetch without init",
        () => store.fetch(stream, untyped<FetchOptions<number>>({ handlers: {} })),
      ],
      [
        "fetch with a handler that is not a function",
        () =>
          store.fetch(stream, untyped<FetchOptions<number>>({ init: 0, handlers: { Opened: 5 } })),
      ],
      [
        "fetch with handlers an array",
        () => store.fetch(stream, untyped<FetchOptions<number>>({ init: 0, handlers: [] })),
      ],
      [
        "fetch with an unknown key",
        () =>
          store.fetch(
            stream,
            untyped<FetchOptions<number>>({ init: 0, handlers: {}, handler: {} }),
          ),
      ],
      ["last(s, null)", () => store.last(stream, untyped<{ type?: string }>(null))],
      [
        "last with an unknown key",
        () => store.last(stream, untyped<{ type?: string }>({ typ: "A" })),
      ],
      ["last with type 5", () => store.last(stream, untyped<{ type?: string }>({ type: 5 }))],
      ["last with an empty type", () => store.last(stream, { type: "" })],
      [
        "ensureCategory with maxBytes -1",
        () => store.ensureCategory(`bad${uniqueId()}`, { maxBytes: -1 }),
      ],
      [
        "ensureCategory with replicas 1.5",
        () => store.ensureCategory(`bad${uniqueId()}`, { replicas: 1.5 }),
      ],
      [
        "ensureCategory with positionGuard 'no'",
        () =>
          store.ensureCategory(
            `bad${uniqueId()}`,
            untyped<{ positionGuard: boolean }>({ positionGuard: "no" }),
          ),
      ],
    ];
    const accepted: string[] = [];
    for (const [what, call] of calls) {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!isInvalidOptionsError(error)) accepted.push(`${what}: ${String(error)}`);
    }
    expect(accepted).toEqual([]);
    await intact();
  });

  test("fetch with init 0 folds, and finds only the handlers it was given", async () => {
    const store = await newStore();
    const stream = `acct-${uniqueId()}`;
    await store.write(stream, [
      { type: "Added", data: 2 },
      { type: "constructor" },
      { type: "toString" },
      { type: "__proto__" },
      { type: "Added", data: 3 },
    ]);
    const { state, version } = await store.fetch(stream, {
      init: 0,
      handlers: { Added: (sum: number, message) => sum + (message.data as number) },
    });
    expect({ state, version }).toEqual({ state: 5, version: 4 });
    const empty = await store.fetch(stream, { init: "untouched", handlers: {} });
    expect(empty).toEqual({ state: "untouched", version: 4 });
  });

  test(`an array of more than ${MAX_MESSAGES_PER_WRITE} messages is refused whole; ${MAX_MESSAGES_PER_WRITE} are written`, async () => {
    const store = await newStore();
    const { stream, intact } = await seeded(store);
    const batch = (count: number): Message[] =>
      Array.from({ length: count }, (_, n) => ({ type: "Counted", data: n }));
    const error = await thrownBy(() => store.write(stream, batch(MAX_MESSAGES_PER_WRITE + 1)));
    expect(isInvalidMessageError(error)).toBe(true);
    await intact();
    const full = `acct-${uniqueId()}`;
    const result = await store.write(full, batch(MAX_MESSAGES_PER_WRITE));
    expect(result.position).toBe(MAX_MESSAGES_PER_WRITE - 1);
    expect(await store.version(full)).toBe(MAX_MESSAGES_PER_WRITE - 1);
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
