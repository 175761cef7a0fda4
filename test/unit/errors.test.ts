import { describe, expect, it } from "vitest";
import {
  CategoryLayoutError,
  ClosedError,
  ConnectionError,
  ExpectedVersionError,
  InvalidMessageError,
  InvalidOptionsError,
  InvalidStreamNameError,
  isCategoryLayoutError,
  isClosedError,
  isConnectionError,
  isExpectedVersionError,
  isInvalidMessageError,
  isInvalidOptionsError,
  isInvalidStreamNameError,
  isMalformedMessageError,
  isMessageStoreError,
  isStreamFullError,
  isStreamNotFoundError,
  isTimeoutError,
  isUnsupportedError,
  isUnsupportedServerError,
  MalformedMessageError,
  MessageStoreError,
  StreamFullError,
  StreamNotFoundError,
  TimeoutError,
  UnsupportedError,
  UnsupportedServerError,
} from "../../src/index.ts";

const cause = new Error("underlying");

const cases: [MessageStoreError, string, string, (error: unknown) => boolean][] = [
  [
    new ExpectedVersionError("a-1", 0, 2, { cause }),
    "ExpectedVersionError",
    "EXPECTED_VERSION",
    isExpectedVersionError,
  ],
  [
    new InvalidStreamNameError("a.b", "dot"),
    "InvalidStreamNameError",
    "INVALID_STREAM_NAME",
    isInvalidStreamNameError,
  ],
  [
    new InvalidMessageError("bad", { cause }),
    "InvalidMessageError",
    "INVALID_MESSAGE",
    isInvalidMessageError,
  ],
  [new InvalidOptionsError("bad"), "InvalidOptionsError", "INVALID_OPTIONS", isInvalidOptionsError],
  [
    new MalformedMessageError("bad"),
    "MalformedMessageError",
    "MALFORMED_MESSAGE",
    isMalformedMessageError,
  ],
  [
    new StreamNotFoundError("app-a"),
    "StreamNotFoundError",
    "STREAM_NOT_FOUND",
    isStreamNotFoundError,
  ],
  [new StreamFullError("app-a"), "StreamFullError", "STREAM_FULL", isStreamFullError],
  [
    new UnsupportedServerError("2.10.0", "2.12.0"),
    "UnsupportedServerError",
    "UNSUPPORTED_SERVER",
    isUnsupportedServerError,
  ],
  [new TimeoutError("slow", 100), "TimeoutError", "TIMEOUT", isTimeoutError],
  [new ConnectionError("down"), "ConnectionError", "CONNECTION", isConnectionError],
  [new ClosedError(), "ClosedError", "CLOSED", isClosedError],
  [new UnsupportedError("no"), "UnsupportedError", "UNSUPPORTED", isUnsupportedError],
  [
    new CategoryLayoutError("podcast", "zencastr", "position", "env-podcast"),
    "CategoryLayoutError",
    "CATEGORY_LAYOUT",
    isCategoryLayoutError,
  ],
];

describe("errors", () => {
  it.each(cases)("%s has its name, code and guard", (error, name, code, guard) => {
    expect(error).toBeInstanceOf(MessageStoreError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(isMessageStoreError(error)).toBe(true);
    expect(guard(error)).toBe(true);
    // Each guard recognises its own class only.
    for (const [, otherName, , otherGuard] of cases) {
      if (otherName !== name) expect(otherGuard(error), `${otherName} guard`).toBe(false);
    }
  });

  it("guards refuse plain errors and non-errors", () => {
    for (const [, , , guard] of cases) {
      expect(guard(new Error("x"))).toBe(false);
      expect(guard(undefined)).toBe(false);
      expect(guard({ code: "TIMEOUT" })).toBe(false);
    }
    expect(isMessageStoreError(new Error("x"))).toBe(false);
  });

  it("keeps the cause and the typed fields", () => {
    const conflict = new ExpectedVersionError("account-1", "no_stream", 3, { cause });
    expect(conflict.cause).toBe(cause);
    expect(conflict).toMatchObject({ stream: "account-1", expected: "no_stream", actual: 3 });
    expect(conflict.message).toContain("account-1");
    expect(new UnsupportedServerError("2.10.0", "2.12.0")).toMatchObject({
      found: "2.10.0",
      required: "2.12.0",
    });
    expect(new TimeoutError("slow", 250).timeoutMs).toBe(250);
    expect(new InvalidStreamNameError("a.b", "dot").streamName).toBe("a.b");
    expect(new InvalidOptionsError("x").cause).toBeUndefined();
  });
});
