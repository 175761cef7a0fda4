/**
 * What `data` and `metadata` may hold: exactly what reads back from the store as it was
 * written. A value JSON would change (NaN, a Date, a Map, a hole in an array…) is refused
 * with `InvalidMessageError` naming where it is, and nothing is written.
 */
import { expect } from "vitest";
import { isInvalidMessageError } from "../../errors.ts";
import type { Message, RecordedMessage } from "../../message.ts";
import type { MessageStore } from "../../store.ts";
import { readCategory, summary, thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

class Money {
  readonly cents: number;
  constructor(cents: number) {
    this.cents = cents;
  }
}

function cyclic(): Record<string, unknown> {
  const node: Record<string, unknown> = { name: "loop" };
  node.next = { back: node };
  return node;
}

// biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
const SPARSE = [1, , 3];

/** Each message, and the path the refusal must name. */
const REFUSED: readonly [string, Message, string][] = [
  ["NaN", { type: "A", data: { items: [1, 2, Number.NaN] } }, "data.items[2]"],
  ["Infinity", { type: "A", data: { rate: Number.POSITIVE_INFINITY } }, "data.rate"],
  ["-Infinity", { type: "A", data: Number.NEGATIVE_INFINITY }, "data"],
  ["a Date", { type: "A", data: { at: new Date(0) } }, "data.at"],
  ["a Map", { type: "A", data: { seen: new Map([["a", 1]]) } }, "data.seen"],
  ["a Set", { type: "A", data: { tags: new Set(["a"]) } }, "data.tags"],
  ["a class instance", { type: "A", data: { price: new Money(5) } }, "data.price"],
  ["a function", { type: "A", data: { run: () => 1 } }, "data.run"],
  ["a symbol", { type: "A", data: { tag: Symbol("t") } }, "data.tag"],
  ["a BigInt", { type: "A", data: { n: 10n } }, "data.n"],
  ["undefined in an array", { type: "A", data: { list: [1, undefined] } }, "data.list[1]"],
  ["a sparse array", { type: "A", data: { list: SPARSE } }, "data.list[1]"],
  ["a cycle", { type: "A", data: cyclic() }, "data.next.back"],
  [
    "NaN in metadata",
    { type: "A", metadata: { trace: { score: Number.NaN } } },
    "metadata.trace.score",
  ],
  ["a Date in metadata", { type: "A", metadata: { at: new Date(0) } }, "metadata.at"],
];

/** Values JSON holds exactly, with the awkward corners: escapes, surrogates, odd keys, extremes. */
const KEPT: readonly unknown[] = [
  null,
  true,
  0,
  -1.7976931348623157e308,
  5e-324,
  2 ** 53 + 2,
  "",
  'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f',
  "lone surrogates \ud800 \udfff and a pair 😀",
  [],
  {},
  [[[[]]]],
  { "": "empty key", "a.b": 1, "*": 2, ">": 3, " ": 4, "0": 5, "-1": 6, é: 7 },
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}'),
  { nested: [{ deep: [null, false, { x: [1.5, -2] }] }] },
];

/** `RecordedMessage` fields that carry what was written. */
const written = (message: RecordedMessage | undefined) => ({
  data: message?.data,
  metadata: message?.metadata,
});

async function roundTrip(store: MessageStore, data: unknown, metadata: Record<string, unknown>) {
  const stream = `values-${uniqueId()}`;
  await store.write(stream, { type: "Kept", data, metadata });
  const [first] = await store.get(stream);
  const last = await store.last(stream);
  const { state } = await store.fetch<unknown>(stream, {
    init: undefined,
    handlers: { Kept: (_state, message) => message.data },
  });
  return { stream, first: written(first), last: written(last), folded: state };
}

export function messageValueCases({ store: newStore, test }: SuiteContext): void {
  test("data and metadata JSON cannot hold are refused with InvalidMessageError naming the path", async () => {
    const store = await newStore();
    const stream = `values-${uniqueId()}`;
    await store.write(stream, { type: "Before", data: { n: 1 } });
    const before = summary(await store.get(stream));
    for (const [what, message, path] of REFUSED) {
      const alone = await thrownBy(() => store.write(stream, message), what);
      expect(isInvalidMessageError(alone), what).toBe(true);
      expect((alone as Error).message, what).toContain(` ${path} `);
      // In an array, the message's index is named too, and nothing of the array is written.
      const inArray = await thrownBy(() => store.write(stream, [{ type: "Fine" }, message]), what);
      expect((inArray as Error).message, what).toContain(`message [1]: ${path} `);
    }
    expect(summary(await store.get(stream))).toEqual(before);
    expect(await readCategory(store, "values")).toHaveLength(1);
  });

  test("data and metadata read back exactly as written, through every read", async () => {
    const store = await newStore();
    for (const value of KEPT) {
      const label = JSON.stringify(value);
      // An object without a prototype reads back as an ordinary object with the same keys.
      const expected: unknown = JSON.parse(label);
      const { first, last, folded } = await roundTrip(store, value, { value });
      expect(first, label).toStrictEqual({ data: expected, metadata: { value: expected } });
      expect(last, label).toStrictEqual(first);
      expect(folded, label).toStrictEqual(expected);
    }
  });

  test("-0 reads back as 0, and a property set to undefined reads back absent", async () => {
    const store = await newStore();
    const { first } = await roundTrip(
      store,
      { zero: -0, gone: undefined, kept: 1 },
      {
        gone: undefined,
      },
    );
    expect(first).toStrictEqual({ data: { zero: 0, kept: 1 }, metadata: {} });
  });
}
