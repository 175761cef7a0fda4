import { describe, expect, it } from "vitest";
import { dispatch } from "../../src/subscribe/dispatch.ts";
import { resolveSubscribeOptions } from "../../src/subscribe/options.ts";
import type { Handler, SubscribeOptions } from "../../src/subscribe/types.ts";
import {
  deadLetterRecorder,
  recordedMessage,
  recordingDelivery,
  recordingLogger,
} from "./recording-delivery.ts";

function setup(handler: Handler, extra: Partial<SubscribeOptions> = {}) {
  const backend = deadLetterRecorder();
  const logger = recordingLogger();
  const options = resolveSubscribeOptions({
    consumer: "worker",
    handlers: { Opened: handler },
    deadLetter: "dlq",
    retryDelay: [10, 20],
    ...extra,
  });
  return { backend, logger, deps: { backend, logger, options } };
}

describe("dispatch", () => {
  it("acks a handled message and gives the handler its attempt", async () => {
    const seen: { attempt: number; isLast: boolean; consumer: string }[] = [];
    const { deps } = setup((_m, ctx) => {
      seen.push({ attempt: ctx.attempt, isLast: ctx.isLastAttempt, consumer: ctx.consumer });
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 2);
    expect(await dispatch(delivery, deps)).toBe("acked");
    expect(delivery.settlements).toEqual([{ kind: "ack" }]);
    expect(seen).toEqual([{ attempt: 2, isLast: false, consumer: "worker" }]);
  });

  it("naks failures with the delay for the attempt, then dead-letters the last one once", async () => {
    const { deps, backend } = setup(() => {
      throw new Error("boom");
    });
    const outcomes = [];
    const settlements = [];
    for (const attempt of [1, 2, 3]) {
      const delivery = recordingDelivery(recordedMessage("Opened"), attempt);
      outcomes.push(await dispatch(delivery, deps));
      settlements.push(...delivery.settlements);
    }
    expect(outcomes).toEqual(["retried", "retried", "dead-lettered"]);
    expect(settlements).toEqual([
      { kind: "nak", delayMs: 10 },
      { kind: "nak", delayMs: 20 },
      { kind: "term" },
    ]);
    expect(backend.letters).toHaveLength(1);
    expect(backend.letters[0]).toMatchObject({
      category: "dlq",
      reason: "failed",
      error: "boom",
      attempts: 3,
      consumer: "worker",
    });
  });

  it("treats a rejected promise like a throw", async () => {
    const { deps } = setup(async () => Promise.reject(new Error("later")));
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await dispatch(delivery, deps)).toBe("retried");
  });

  it("dead-letters a terminated message with its reason, even on the first attempt", async () => {
    const { deps, backend } = setup((_m, ctx) => {
      ctx.terminate("bad account");
      ctx.terminate("second call is ignored");
      ctx.retry();
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await dispatch(delivery, deps)).toBe("dead-lettered");
    expect(delivery.settlements).toEqual([{ kind: "term" }]);
    expect(backend.letters.map((l) => [l.reason, l.error])).toEqual([
      ["terminated", "bad account"],
    ]);
  });

  it("retry() naks with the requested delay, and counts as a failure on the last attempt", async () => {
    const { deps, backend } = setup((_m, ctx) => ctx.retry({ delayMs: 1234 }));
    const early = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await dispatch(early, deps)).toBe("retried");
    expect(early.settlements).toEqual([{ kind: "nak", delayMs: 1234 }]);
    const last = recordingDelivery(recordedMessage("Opened"), 3);
    expect(await dispatch(last, deps)).toBe("dead-lettered");
    expect(backend.letters[0]?.reason).toBe("failed");
  });

  it("acks a message of a type without a handler and logs it at debug", async () => {
    const { deps, logger } = setup(() => {
      throw new Error("must not run");
    });
    const delivery = recordingDelivery(recordedMessage("Closed"), 1);
    expect(await dispatch(delivery, deps)).toBe("acked");
    expect(delivery.settlements).toEqual([{ kind: "ack" }]);
    expect(logger.entries.some((e) => e.level === "debug")).toBe(true);
  });

  it("dead-letters a malformed message as malformed without calling a handler", async () => {
    const { deps, backend } = setup(() => {
      throw new Error("must not run");
    });
    const delivery = recordingDelivery(undefined, 1);
    expect(await dispatch(delivery, deps)).toBe("dead-lettered");
    expect(backend.letters.map((l) => [l.reason, l.error])).toEqual([
      ["malformed", "body is not JSON"],
    ]);
  });

  it("dead-letters a message delivered more often than maxAttempts without calling the handler", async () => {
    let calls = 0;
    const { deps, backend } = setup(() => {
      calls += 1;
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 4);
    expect(await dispatch(delivery, deps)).toBe("dead-lettered");
    expect(calls).toBe(0);
    expect(backend.letters[0]?.reason).toBe("failed");
  });

  it("terminates and logs an error when no deadLetter category is set", async () => {
    const { deps, logger } = setup(
      () => {
        throw new Error("boom");
      },
      { deadLetter: undefined, maxAttempts: 1 },
    );
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await dispatch(delivery, deps)).toBe("dropped");
    expect(delivery.settlements).toEqual([{ kind: "term" }]);
    expect(logger.entries.some((e) => e.level === "error")).toBe(true);
  });

  it("redelivers instead of terminating when the dead letter cannot be written", async () => {
    const { deps } = setup((_m, ctx) => ctx.terminate());
    const failing = {
      ...deps,
      backend: { deadLetter: () => Promise.reject(new Error("no stream")) },
    };
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await dispatch(delivery, failing)).toBe("retried");
    expect(delivery.settlements.map((s) => s.kind)).toEqual(["nak"]);
  });

  it("marks the message in progress while a slow handler runs", async () => {
    const { deps } = setup(() => new Promise((resolve) => setTimeout(resolve, 60)), {
      inProgressIntervalMs: 5,
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    await dispatch(delivery, deps);
    expect(delivery.inProgressCount).toBeGreaterThan(0);
    const countAfter = delivery.inProgressCount;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivery.inProgressCount).toBe(countAfter);
  });
});
