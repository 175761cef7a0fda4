import { describe, expect, it } from "vitest";
import { errorText, MAX_ERROR_TEXT_LENGTH } from "../../src/subscribe/error-text.ts";

describe("errorText", () => {
  it("gives an Error's message, a string as it is, other values as JSON", () => {
    expect(errorText(new Error("boom"))).toBe("boom");
    expect(errorText("plain")).toBe("plain");
    expect(errorText({ code: 7 })).toBe('{"code":7}');
    expect(errorText(12n)).toBe("12n");
    expect(errorText(null)).toBe("null");
    expect(errorText(undefined)).toBe("undefined");
  });

  it("never throws, whatever it is given", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
        getPrototypeOf() {
          throw new Error("trap");
        },
      },
    );
    for (const value of [cyclic, hostile, Object.create(null), { big: 1n }, Symbol("s")]) {
      expect(typeof errorText(value)).toBe("string");
    }
  });

  it(`cuts a text longer than ${MAX_ERROR_TEXT_LENGTH} characters`, () => {
    const text = errorText(new Error("x".repeat(10_000)));
    expect(text).toHaveLength(MAX_ERROR_TEXT_LENGTH);
    expect(text.endsWith("…")).toBe(true);
  });
});
