import { describe, expect, it } from "vitest";
import { isInvalidOptionsError } from "../../src/errors.ts";
import { connect } from "../../src/index.ts";
import {
  DEFAULT_REPLICAS,
  DEFAULT_TIMEOUT_MS,
  type MessageStoreOptions,
  resolveOptions,
} from "../../src/options.ts";

function refused(options: unknown): boolean {
  try {
    resolveOptions(options as MessageStoreOptions);
  } catch (error) {
    return isInvalidOptionsError(error);
  }
  return false;
}

describe("options", () => {
  it("resolves defaults with nothing left optional", () => {
    const resolved = resolveOptions();
    expect(resolved).toMatchObject({
      prefix: "",
      createMissingStreams: true,
      maxBytes: undefined,
      maxMessageSize: undefined,
      replicas: DEFAULT_REPLICAS,
      timeoutMs: DEFAULT_TIMEOUT_MS,
    });
    expect(typeof resolved.logger.debug).toBe("function");
  });

  it("keeps given values and never mutates the caller's object", () => {
    const options = Object.freeze({ prefix: "app", createMissingStreams: false, maxBytes: 1024 });
    const resolved = resolveOptions(options);
    expect(resolved).toMatchObject({ prefix: "app", createMissingStreams: false, maxBytes: 1024 });
    expect(options).toEqual({ prefix: "app", createMissingStreams: false, maxBytes: 1024 });
  });

  it.each([
    ["an unknown key", { prefx: "app" }],
    ["a prefix with a dot", { prefix: "a.b" }],
    ["a prefix with whitespace", { prefix: "a b" }],
    ["a prefix with a wildcard", { prefix: "a*" }],
    ["a prefix NATS reserves", { prefix: "$JS" }],
    ["a prefix with a slash, which no JetStream stream name holds", { prefix: "a/b" }],
    ["a prefix with a control character", { prefix: "a\u007f" }],
    ["a prefix over 64 bytes", { prefix: "p".repeat(65) }],
    ["a prefix that is not a string", { prefix: 5 }],
    ["a non-boolean createMissingStreams", { createMissingStreams: "no" }],
    ["zero maxBytes", { maxBytes: 0 }],
    ["negative maxMessageSize", { maxMessageSize: -1 }],
    ["fractional replicas", { replicas: 1.5 }],
    ["a string timeout", { timeoutMs: "5000" }],
    ["a logger without methods", { logger: {} }],
    ["not an object", 5],
  ])("refuses %s with InvalidOptionsError", (_what, options) => {
    expect(refused(options)).toBe(true);
  });

  it("connect refuses unknown option keys and bad URLs before connecting", async () => {
    const unknown = await connect("memory:", { nope: 1 } as MessageStoreOptions).catch(
      (error: unknown) => error,
    );
    expect(isInvalidOptionsError(unknown)).toBe(true);
    const badUrl = await connect("http://localhost:4222").catch((error: unknown) => error);
    expect(isInvalidOptionsError(badUrl)).toBe(true);
  });

  it.each([
    ["a number for the URL", [5]],
    ["null for the URL", [null]],
    ["an object for the URL", [{ url: "memory:" }]],
    ["null options", ["memory:", null]],
    ["options a string", ["memory:", "prefix=app"]],
  ])("connect refuses %s with InvalidOptionsError, never a TypeError", async (_what, args) => {
    const call = connect as (...given: unknown[]) => Promise<unknown>;
    const error = await call(...args).catch((caught: unknown) => caught);
    expect(isInvalidOptionsError(error)).toBe(true);
  });
});
