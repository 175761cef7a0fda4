import { describe, expect, it } from "vitest";
import {
  ExpectedVersionError,
  isExpectedVersionError,
  isInvalidOptionsError,
} from "../../src/errors.ts";
import {
  assertExpectedVersion,
  checkExpectedVersion,
  exactExpectedVersion,
  matchesExpectedVersion,
} from "../../src/expected-version.ts";

describe("expected version", () => {
  it("matches each form against a stream version", () => {
    const table: [Parameters<typeof matchesExpectedVersion>[0], number, boolean][] = [
      ["any", -1, true],
      ["any", 7, true],
      ["exists", -1, false],
      ["exists", 0, true],
      ["no_stream", -1, true],
      ["no_stream", 0, false],
      [-1, -1, true],
      [-1, 0, false],
      [3, 3, true],
      [3, 2, false],
      [3, 4, false],
    ];
    for (const [expected, actual, result] of table) {
      expect(matchesExpectedVersion(expected, actual), `${expected} vs ${actual}`).toBe(result);
    }
  });

  it("pins an exact version only for numbers and no_stream", () => {
    expect(exactExpectedVersion(4)).toBe(4);
    expect(exactExpectedVersion(-1)).toBe(-1);
    expect(exactExpectedVersion("no_stream")).toBe(-1);
    expect(exactExpectedVersion("exists")).toBeUndefined();
    expect(exactExpectedVersion("any")).toBeUndefined();
  });

  it("accepts the vocabulary and refuses anything else with InvalidOptionsError", () => {
    for (const good of [-1, 0, 12, "any", "exists", "no_stream"]) {
      expect(checkExpectedVersion(good)).toBe(good);
    }
    for (const bad of [-2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", "none", null, {}, []]) {
      let thrown: unknown;
      try {
        checkExpectedVersion(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isInvalidOptionsError(thrown), JSON.stringify(bad)).toBe(true);
    }
  });

  it("throws ExpectedVersionError with stream, expected and actual", () => {
    expect(() => assertExpectedVersion("account-1", 2, 2)).not.toThrow();
    let thrown: unknown;
    try {
      assertExpectedVersion("account-1", "no_stream", 4);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExpectedVersionError);
    expect(isExpectedVersionError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ stream: "account-1", expected: "no_stream", actual: 4 });
  });
});
