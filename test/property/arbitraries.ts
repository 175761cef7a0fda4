/**
 * What the property tests throw at the store: names, message bodies, metadata and options as
 * a careless or hostile caller would pass them. Each generator mixes ordinary values with the
 * characters and sizes that once got past the checks (issue 11), so a run covers both sides
 * of every rule.
 */
import fc from "fast-check";
import { MAX_JSON_DEPTH } from "../../src/json-check.ts";
import { MAX_CATEGORY_BYTES, MAX_ID_BYTES } from "../../src/stream-name.ts";

/** Characters and tokens that matter to NATS, JSON or UTF-8. */
const AWKWARD = [
  ".",
  "*",
  ">",
  "/",
  "\\",
  "$",
  "-",
  ":",
  "+",
  "_",
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\ud800",
  "\udfff",
  "é",
  "😀",
  "$JS",
  "$SYS",
  "_INBOX",
  '"',
  "%",
  "#",
];
const PLAIN = "abcdefghijklmnopqrstuvwxyz0123456789".split("");

const piece = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.string({ unit: fc.constantFrom(...PLAIN), minLength: 1, maxLength: 8 }),
  },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) },
);

/** A category or id: mostly plain, sometimes awkward, sometimes empty. */
const part: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.constant("") },
);

/** `n` bytes of UTF-8 around a limit, in one- or two-byte letters. */
const nearLimit = (limit: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: limit - 2, max: limit + 2 }), fc.boolean())
    .map(([bytes, wide]) => (wide ? "é".repeat(Math.ceil(bytes / 2)) : "x".repeat(bytes)));

/** A stream or category as callers name one, well formed or not. */
export const streamRef: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(part, part).map(([category, id]) => `${category}-${id}`) },
  { weight: 1, arbitrary: part },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: nearLimit(MAX_CATEGORY_BYTES).map((category) => `${category}-1`) },
  { weight: 1, arbitrary: nearLimit(MAX_ID_BYTES).map((id) => `acct-${id}`) },
  { weight: 2, arbitrary: fc.record({ category: part, id: part }) },
  {
    weight: 1,
    arbitrary: fc.record({ category: fc.anything(), id: fc.anything() }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** Any value, including the ones JSON changes or refuses: NaN, -0, Dates, Maps, holes, BigInt… */
const anyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 3,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withBigInt: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  stringUnit: "binary",
});

/** A value with a cycle in it. */
const cyclic: fc.Arbitrary<unknown> = fc.constantFrom("object", "array").map((kind) => {
  if (kind === "array") {
    const list: unknown[] = [1];
    list.push({ back: list });
    return list;
  }
  const node: Record<string, unknown> = { n: 1 };
  node.self = node;
  return node;
});

/** Deeper than a body may nest. */
const tooDeep: fc.Arbitrary<unknown> = fc.constant(null).map(() => {
  let value: unknown = 1;
  for (let level = 0; level <= MAX_JSON_DEPTH; level++) value = { level: value };
  return value;
});

class Money {
  readonly cents = 5;
}

/**
 * One value JSON changes or refuses (and a few it keeps: -0, an undefined property, an object
 * without a prototype). `fc.anything` makes NaN or -0 about once in 5,000 values, too rarely
 * for a quick run, so each kind is put in on its own.
 */
const awkwardLeaf: fc.Arbitrary<unknown> = fc
  .constantFrom<(() => unknown)[]>(
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => Number.NEGATIVE_INFINITY,
    () => -0,
    () => undefined,
    () => new Date(0),
    () => new Map([["k", 1]]),
    () => new Set([1]),
    () => new Money(),
    () => () => 1,
    () => Symbol("s"),
    () => 10n,
    () => new String("s"),
    () => new Uint8Array(2),
    // biome-ignore lint/suspicious/noSparseArray: a hole is the case
    () => [1, , 3],
    () => Object.assign(Object.create(null), { kept: 1 }),
    () => Object.defineProperty({}, Symbol("key"), { value: 1, enumerable: true }),
  )
  .map((make) => make());

/** JSON with one awkward value in it: alone, in an array, or as a property. */
const jsonWithAwkwardLeaf: fc.Arbitrary<unknown> = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), awkwardLeaf, fc.constantFrom("alone", "array", "object"))
  .map(([json, leaf, where]) => {
    if (where === "alone") return leaf;
    return where === "array" ? [json, leaf] : { json, leaf };
  });

/** `data`: mostly JSON (with its awkward strings), sometimes not. */
export const messageData: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 4, arbitrary: anyValue },
  { weight: 4, arbitrary: jsonWithAwkwardLeaf },
  { weight: 1, arbitrary: cyclic },
  { weight: 1, arbitrary: tooDeep },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** `metadata`: mostly an object, sometimes not; absent at times. */
export const messageMetadata: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.dictionary(
      fc.string({ unit: "binary", maxLength: 6 }),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
  },
  { weight: 3, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), anyValue, { maxKeys: 3 }) },
  { weight: 1, arbitrary: anyValue },
  { weight: 2, arbitrary: fc.record({ leaf: jsonWithAwkwardLeaf }) },
  { weight: 4, arbitrary: fc.constant(undefined) },
);

/** One message as a caller might pass it. */
export const message: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record(
      {
        type: fc.oneof(
          { weight: 20, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }) },
          { weight: 1, arbitrary: fc.anything() },
        ),
        data: messageData,
        metadata: messageMetadata,
        id: fc.oneof(
          { weight: 12, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
          { weight: 1, arbitrary: fc.anything() },
        ),
      },
      { requiredKeys: ["type"] },
    ),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** What `write` takes: one message, or an array of them (empty at times). */
export const writeInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: message },
  { weight: 2, arbitrary: fc.array(message, { maxLength: 3 }) },
);

/** An options object with the right keys (odd values at times), a typo, or no object at all. */
export function optionsFor(keys: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const withKeys = fc.record(keys, { requiredKeys: [] });
  return fc.oneof(
    { weight: 6, arbitrary: withKeys },
    {
      weight: 1,
      arbitrary: fc
        .tuple(withKeys, fc.string({ minLength: 1, maxLength: 8 }), fc.anything())
        .map(([options, key, value]) => ({ ...options, [key]: value })),
    },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 5, "options", []) },
    { weight: 1, arbitrary: fc.anything() },
  );
}

/** A whole number near the interesting range, or something that is not one. */
export const count: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -2, max: 5 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", null, 2 ** 60),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** The expected-version vocabulary, with near misses. */
export const expectedVersion: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -2, max: 2 }) },
  { weight: 3, arbitrary: fc.constantFrom("any", "exists", "no_stream") },
  { weight: 1, arbitrary: fc.constantFrom("latest", "ANY", "0", 0.5, null, Number.NaN, -0) },
  { weight: 1, arbitrary: fc.anything() },
);
