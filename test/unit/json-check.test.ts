import { describe, expect, it } from "vitest";
import { isInvalidMessageError } from "../../src/errors.ts";
import { MAX_JSON_DEPTH } from "../../src/index.ts";
import { checkJsonValue } from "../../src/json-check.ts";

/** The message `checkJsonValue` throws for `value`, or `undefined` when it accepts it. */
function refusal(value: unknown, root = "data"): string | undefined {
  try {
    checkJsonValue(value, root, "message [1]");
  } catch (error) {
    expect(isInvalidMessageError(error)).toBe(true);
    return (error as Error).message;
  }
  return undefined;
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

class Money {
  amount = 5;
}

describe("values JSON cannot hold", () => {
  it.each([
    ["NaN", { items: [1, 2, Number.NaN] }, "data.items[2] is NaN"],
    ["Infinity", { rate: Number.POSITIVE_INFINITY }, "data.rate is Infinity"],
    ["-Infinity", [Number.NEGATIVE_INFINITY], "data[0] is -Infinity"],
    ["a Date", { at: new Date(0) }, "data.at is a Date"],
    ["a Map", { seen: new Map() }, "data.seen is a Map"],
    ["a Set", { seen: new Set([1]) }, "data.seen is a Set"],
    ["a class instance", { price: new Money() }, "data.price is a Money"],
    ["a boxed string", { name: new String("x") }, "data.name is a String"],
    ["a typed array", { bytes: new Uint8Array(2) }, "data.bytes is a Uint8Array"],
    ["an Error", { error: new Error("x") }, "data.error is a Error"],
    ["a function", { run: () => 1 }, "data.run is a function"],
    ["a symbol value", { tag: Symbol("t") }, "data.tag is a symbol"],
    ["a BigInt", { n: 10n }, "data.n is a BigInt"],
    ["undefined in an array", { list: [1, undefined] }, "data.list[1] is undefined"],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ["a sparse array", { list: [1, , 3] }, "data.list[1] is undefined or a hole"],
    ["a symbol key", { [Symbol("k")]: 1 }, "data has a symbol key"],
    ["a key that needs quoting", { "a b": { c: Number.NaN } }, 'data["a b"].c is NaN'],
    ["an array subclass", { list: new (class Items extends Array {})() }, "data.list is a Items"],
  ])("refuses %s, naming where it is", (_what, value, expected) => {
    expect(refusal(value)).toContain(`message [1]: ${expected}`);
  });

  it("refuses a top-level value that is not JSON", () => {
    expect(refusal(Number.NaN)).toContain("message [1]: data is NaN");
    expect(refusal(new Date(0), "metadata")).toContain("message [1]: metadata is a Date");
  });

  it("refuses a cycle, but not a value shared by two branches", () => {
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as { b: Record<string, unknown> }).b.back = cyclic;
    expect(refusal(cyclic)).toContain("data.a.b.back refers back to an enclosing value");
    const shared = { n: 1 };
    expect(refusal({ left: shared, right: [shared, shared] })).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more`, () => {
    expect(refusal(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(refusal(nested(MAX_JSON_DEPTH + 1))).toContain(`nested deeper than ${MAX_JSON_DEPTH}`);
  });

  it("turns a getter that throws into InvalidMessageError, keeping the cause", () => {
    const boom = new Error("boom");
    const value = {
      get broken(): number {
        throw boom;
      },
    };
    let caught: unknown;
    try {
      checkJsonValue(value, "data", "message");
    } catch (error) {
      caught = error;
    }
    expect(isInvalidMessageError(caught)).toBe(true);
    expect((caught as Error).cause).toBe(boom);
  });

  it("accepts every JSON value, and what it accepts reads back equal", () => {
    const values: unknown[] = [
      null,
      true,
      0,
      -1.5e300,
      Number.MAX_SAFE_INTEGER + 2,
      "",
      "lone \ud800 surrogate and \u0000",
      [],
      {},
      Object.create(null),
      { "": 1, __proto__x: 2, "a.b": [null, { c: "d" }] },
      JSON.parse('{"__proto__": {"x": 1}}'),
    ];
    for (const value of values) {
      expect(refusal(value), JSON.stringify(value)).toBeUndefined();
      const plain =
        value !== null && typeof value === "object" && Object.getPrototypeOf(value) === null;
      expect(JSON.parse(JSON.stringify(value))).toStrictEqual(plain ? {} : value);
    }
  });

  it("accepts a property set to undefined: JSON leaves it out, so it reads back absent", () => {
    expect(refusal({ name: "a", email: undefined })).toBeUndefined();
    expect(JSON.parse(JSON.stringify({ name: "a", email: undefined }))).toEqual({ name: "a" });
  });
});
