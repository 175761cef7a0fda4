import { describe, expect, it } from "vitest";
import { decodeBody, derivedMessageId, encodeBody } from "../../src/body.ts";
import { isInvalidMessageError, isMalformedMessageError } from "../../src/errors.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
const ID = "0b6d0d4e-5d43-4bd5-9a4e-0c2f0f6c1a11";

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("wire body", () => {
  it("writes type, data, metadata, id in that order", () => {
    const body = text(encodeBody("Deposited", { amount: 5 }, { traceId: "t" }, ID));
    expect(body).toBe(
      `{"type":"Deposited","data":{"amount":5},"metadata":{"traceId":"t"},"id":"${ID}"}`,
    );
    expect(Object.keys(JSON.parse(body))).toEqual(["type", "data", "metadata", "id"]);
  });

  it("leaves metadata out when it is empty", () => {
    const body = text(encodeBody("Opened", null, {}, ID));
    expect(body).toBe(`{"type":"Opened","data":null,"id":"${ID}"}`);
  });

  it("round-trips data of every JSON kind and unknown metadata keys", () => {
    for (const data of ["s", 1, 0, true, false, null, [1, { a: [] }], { deep: { x: "é ✓" } }]) {
      const decoded = decodeBody(encodeBody("T", data, { custom: { nested: 1 } }, ID));
      expect(decoded).toEqual({ type: "T", data, metadata: { custom: { nested: 1 } }, id: ID });
    }
  });

  it("reads a Zencastr body: Python spacing, no id", () => {
    const zencastr = bytes(
      '{"type": "Deposited", "data": {"amount": 5}, "metadata": {"originSubject": "x.y", "traceId": "t1"}}',
    );
    expect(decodeBody(zencastr)).toEqual({
      type: "Deposited",
      data: { amount: 5 },
      metadata: { originSubject: "x.y", traceId: "t1" },
      id: undefined,
    });
  });

  it("treats missing or non-object metadata as {}", () => {
    expect(decodeBody(bytes('{"type":"A","data":1}')).metadata).toEqual({});
    expect(decodeBody(bytes('{"type":"A","data":1,"metadata":[1]}')).metadata).toEqual({});
  });

  it.each([
    ["not JSON", "{nope"],
    ["an array", "[1,2]"],
    ["a string", '"A"'],
    ["no type", '{"data":{}}'],
    ["a numeric type", '{"type":5}'],
    ["empty", ""],
  ])("refuses a body that is %s with MalformedMessageError", (_what, body) => {
    expect(isMalformedMessageError(thrown(() => decodeBody(bytes(body))))).toBe(true);
  });

  it("refuses values JSON cannot hold with InvalidMessageError", () => {
    expect(isInvalidMessageError(thrown(() => encodeBody("A", { n: 1n }, {}, ID)))).toBe(true);
    expect(isInvalidMessageError(thrown(() => encodeBody("A", undefined, {}, ID)))).toBe(true);
    expect(isInvalidMessageError(thrown(() => encodeBody("A", {}, { n: 2n }, ID)))).toBe(true);
  });

  it("derives a stable, distinct UUID from the storage and sequence", () => {
    const one = derivedMessageId("app-account", 7);
    expect(one).toBe(derivedMessageId("app-account", 7));
    expect(one).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedMessageId("app-account", 8)).not.toBe(one);
    expect(derivedMessageId("other-account", 7)).not.toBe(one);
  });
});

describe("encoded bodies share buffers without sharing bytes", () => {
  it("keeps every body intact while many more are encoded, small and large, multi-byte too", () => {
    const kept: [Uint8Array, unknown][] = [];
    for (let n = 0; n < 3000; n += 1) {
      const data = { n, note: n % 7 === 0 ? "é€😀".repeat(n % 50) : "x".repeat(n % 300) };
      kept.push([encodeBody("T", data, {}, ID), data]);
    }
    const large = { blob: "y".repeat(20_000) };
    const largeBody = encodeBody("T", large, {}, ID);
    for (const [body, data] of kept) expect(decodeBody(body).data).toEqual(data);
    expect(decodeBody(largeBody).data).toEqual(large);
    expect(text(encodeBody("T", { a: "😀" }, {}, ID))).toBe(
      `{"type":"T","data":{"a":"😀"},"id":"${ID}"}`,
    );
  });
});
