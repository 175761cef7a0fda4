import { describe, expect, it } from "vitest";
import { isInvalidOptionsError } from "../../src/errors.ts";
import { resolveSubscribeOptions } from "../../src/subscribe/options.ts";
import { defaultRetryDelay, retryDelayPolicy } from "../../src/subscribe/retry-delay.ts";
import type { SubscribeOptions } from "../../src/subscribe/types.ts";

const valid: SubscribeOptions = { consumer: "worker", handlers: { Opened: () => {} } };

function refuses(options: Record<string, unknown>): void {
  let caught: unknown;
  try {
    resolveSubscribeOptions({ ...valid, ...options } as SubscribeOptions);
  } catch (error) {
    caught = error;
  }
  expect(isInvalidOptionsError(caught), JSON.stringify(options)).toBe(true);
}

describe("subscription options", () => {
  it("resolves the defaults", () => {
    const resolved = resolveSubscribeOptions(valid);
    expect(resolved).toMatchObject({
      consumer: "worker",
      maxAttempts: 3,
      deadLetter: undefined,
      batchSize: 1000,
      ackWaitMs: 30_000,
      inProgressIntervalMs: 10_000,
    });
    expect([1, 2, 3].map(resolved.retryDelay)).toEqual([1000, 2000, 4000]);
  });

  it("derives the in-progress interval from ackWaitMs: a third, at least 100 ms when it fits", () => {
    const interval = (ackWaitMs: number) =>
      resolveSubscribeOptions({ ...valid, ackWaitMs }).inProgressIntervalMs;
    expect([2000, 60_000, 240, 150, 3].map(interval)).toEqual([666, 20_000, 100, 75, 1]);
  });

  it("keeps an explicit in-progress interval shorter than ackWaitMs", () => {
    const resolved = resolveSubscribeOptions({
      ...valid,
      ackWaitMs: 2000,
      inProgressIntervalMs: 1999,
    });
    expect(resolved.inProgressIntervalMs).toBe(1999);
  });

  it.each([
    { consumer: "" },
    { consumer: "has space" },
    { consumer: "a.b" },
    { consumer: "a*" },
    { consumer: "a>" },
    { consumer: 7 },
    { handlers: undefined },
    { handlers: { Opened: "not a function" } },
    { maxAttempts: 0 },
    { maxAttempts: 1.5 },
    { retryDelay: -1 },
    { retryDelay: [] },
    { retryDelay: [10, -5] },
    { retryDelay: "1s" },
    { deadLetter: "dlq-1" },
    { deadLetter: "dl q" },
    { deadLetter: "" },
    { batchSize: 0 },
    { inProgressIntervalMs: 0 },
    { inProgressIntervalMs: 30_000 },
    { ackWaitMs: 2000, inProgressIntervalMs: 2000 },
    { ackWaitMs: 2000, inProgressIntervalMs: 5000 },
    { unknownKey: true },
  ])("refuses %j", (options) => refuses(options));
});

describe("retry delay", () => {
  it("doubles from one second and stops at a minute", () => {
    expect([1, 2, 3, 6, 7, 50].map(defaultRetryDelay)).toEqual([
      1000, 2000, 4000, 32_000, 60_000, 60_000,
    ]);
  });

  it("indexes an array by attempt and repeats its last value", () => {
    const delay = retryDelayPolicy([5, 50]);
    expect([1, 2, 3, 9].map(delay)).toEqual([5, 50, 50, 50]);
  });

  it("uses a number as is, including 0 for immediate redelivery", () => {
    expect(retryDelayPolicy(0)(4)).toBe(0);
    expect(retryDelayPolicy(250)(1)).toBe(250);
  });

  it("calls a function with the attempt and never returns a negative delay", () => {
    expect(retryDelayPolicy((attempt) => attempt * 100)(3)).toBe(300);
    expect(retryDelayPolicy(() => -10)(1)).toBe(0);
  });
});
