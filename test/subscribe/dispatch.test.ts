/**
 * The ordered dispatcher with the settle policy, as subscriptions run them: retries wait in
 * process (never a nak), the last failure dead-letters once, whatever a handler throws.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AttemptDeps } from "../../src/subscribe/attempt.ts";
import { resolveSubscribeOptions } from "../../src/subscribe/options.ts";
import { OrderedDispatcher } from "../../src/subscribe/ordered-dispatcher.ts";
import { DEAD_LETTER_FAILURE_RETRY_MS } from "../../src/subscribe/settle.ts";
import type { Handler, SubscribeOptions } from "../../src/subscribe/types.ts";
import { recordingLogger } from "../support/recording-logger.ts";
import {
  deadLetterRecorder,
  type RecordingDelivery,
  recordedMessage,
  recordingDelivery,
} from "./recording-delivery.ts";

const patiently = { timeout: 5000, interval: 2 };
const stops: AbortController[] = [];

afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

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
  const deps: AttemptDeps = { backend, logger, options };
  const stop = new AbortController();
  stops.push(stop);
  const dispatcher = new OrderedDispatcher(deps, stop.signal);
  return { backend, logger, deps, dispatcher, stop };
}

/** Offers `delivery` and waits until it is acked or terminated (or handed back with a nak). */
async function settled(dispatcher: OrderedDispatcher, delivery: RecordingDelivery) {
  await dispatcher.offer(delivery);
  await expect.poll(() => delivery.settlements.length, patiently).toBeGreaterThan(0);
  return delivery.settlements;
}

describe("ordered dispatcher: settling", () => {
  it("acks a handled message and gives the handler its attempt", async () => {
    const seen: { attempt: number; isLast: boolean; consumer: string }[] = [];
    const { dispatcher } = setup((_m, ctx) => {
      seen.push({ attempt: ctx.attempt, isLast: ctx.isLastAttempt, consumer: ctx.consumer });
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 2);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "ack" }]);
    expect(seen).toEqual([{ attempt: 2, isLast: false, consumer: "worker" }]);
  });

  it("retries in process after the delay for each attempt, then dead-letters once; never naks", async () => {
    const attempts: number[] = [];
    const { dispatcher, backend } = setup((_m, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error("boom");
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    const started = performance.now();
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(10 + 20 - 2);
    expect(attempts).toEqual([1, 2, 3]);
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
    let calls = 0;
    const { dispatcher } = setup(async () => {
      calls += 1;
      if (calls === 1) throw new Error("later");
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "ack" }]);
    expect(calls).toBe(2);
  });

  it("dead-letters a terminated message with its reason, even on the first attempt", async () => {
    const { dispatcher, backend } = setup((_m, ctx) => {
      ctx.terminate("bad account");
      ctx.terminate("second call is ignored");
      ctx.retry();
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(backend.letters.map((l) => [l.reason, l.error])).toEqual([
      ["terminated", "bad account"],
    ]);
  });

  it("retry() waits the requested delay and counts as a failure on the last attempt", async () => {
    const { dispatcher, backend } = setup((_m, ctx) => ctx.retry({ delayMs: 40 }), {
      maxAttempts: 2,
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    const started = performance.now();
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(38);
    expect(backend.letters[0]).toMatchObject({ reason: "failed", attempts: 2 });
  });

  it("acks a message of a type without a handler and logs it at debug", async () => {
    const { dispatcher, logger } = setup(() => {
      throw new Error("must not run");
    });
    const delivery = recordingDelivery(recordedMessage("Closed"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "ack" }]);
    expect(logger.entries.some((e) => e.level === "debug")).toBe(true);
  });

  it("dead-letters a malformed message as malformed without calling a handler", async () => {
    const { dispatcher, backend } = setup(() => {
      throw new Error("must not run");
    });
    const delivery = recordingDelivery(undefined, 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(backend.letters.map((l) => [l.reason, l.error])).toEqual([
      ["malformed", "body is not JSON"],
    ]);
  });

  it("dead-letters a message delivered more often than maxAttempts without calling the handler", async () => {
    let calls = 0;
    const { dispatcher, backend } = setup(() => {
      calls += 1;
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 4);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(calls).toBe(0);
    expect(backend.letters[0]?.reason).toBe("failed");
  });

  it("terminates and logs an error when no deadLetter category is set", async () => {
    const { dispatcher, logger } = setup(
      () => {
        throw new Error("boom");
      },
      { deadLetter: undefined, maxAttempts: 1 },
    );
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(logger.entries.some((e) => e.level === "error")).toBe(true);
  });

  it("hands the message back for a later redelivery when the dead letter cannot be written", async () => {
    const { deps, stop } = setup((_m, ctx) => ctx.terminate());
    const failing = {
      ...deps,
      backend: { deadLetter: () => Promise.reject(new Error("no stream")) },
    };
    const dispatcher = new OrderedDispatcher(failing, stop.signal);
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([
      { kind: "nak", delayMs: DEAD_LETTER_FAILURE_RETRY_MS },
    ]);
  });

  it("marks a held message in progress while its slow handler runs", async () => {
    const { dispatcher } = setup(() => new Promise((resolve) => setTimeout(resolve, 60)), {
      inProgressIntervalMs: 5,
    });
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    await settled(dispatcher, delivery);
    expect(delivery.inProgressCount).toBeGreaterThan(0);
  });

  it("a stop during a retry wait hands the message back at once", async () => {
    const { dispatcher, stop } = setup(
      () => {
        throw new Error("boom");
      },
      { retryDelay: 60_000 },
    );
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    await dispatcher.offer(delivery);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivery.settlements).toEqual([]);
    stop.abort();
    await dispatcher.drain();
    expect(delivery.settlements).toEqual([{ kind: "nak", delayMs: 0 }]);
  });

  it("keeps a lane moving when the logger throws", async () => {
    const { deps, stop } = setup(() => {
      throw new Error("boom");
    });
    const throwing = {
      ...deps,
      logger: {
        ...deps.logger,
        warn: () => {
          throw new Error("logger down");
        },
      },
    };
    const dispatcher = new OrderedDispatcher(throwing, stop.signal);
    const first = recordingDelivery(recordedMessage("Opened", 0), 1);
    expect(await settled(dispatcher, first)).toEqual([
      { kind: "nak", delayMs: DEAD_LETTER_FAILURE_RETRY_MS },
    ]);
    const second = recordingDelivery(recordedMessage("Closed", 1), 1);
    expect(await settled(dispatcher, second)).toEqual([{ kind: "ack" }]);
  });
});

describe("ordered dispatcher: poison values and timeouts", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const unreadable = new Error("hidden");
  Object.defineProperty(unreadable, "message", {
    get() {
      throw new Error("no message for you");
    },
  });
  const poison: [string, () => unknown, string | RegExp][] = [
    ["a BigInt", () => 10n, "10n"],
    ["a cyclic object", () => cyclic, "[object Object]"],
    [
      "an Error whose message getter throws",
      () => unreadable,
      "Error (its message could not be read)",
    ],
    ["null", () => null, "null"],
    ["undefined", () => undefined, "undefined"],
    ["a string", () => "plain text", "plain text"],
    ["a symbol", () => Symbol("odd"), "Symbol(odd)"],
    ["an object without a prototype", () => Object.create(null), "{}"],
    [
      "a Proxy that throws on every access",
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error("trap");
            },
            getPrototypeOf() {
              throw new Error("trap");
            },
          },
        ),
      /./,
    ],
  ];

  for (const [what, thrown, text] of poison) {
    it(`retries and dead-letters a handler that throws ${what}`, async () => {
      let calls = 0;
      const { dispatcher, backend } = setup(
        () => {
          calls += 1;
          throw thrown();
        },
        { retryDelay: 0 },
      );
      const delivery = recordingDelivery(recordedMessage("Opened"), 1);
      expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
      expect(calls).toBe(3);
      expect(backend.letters).toHaveLength(1);
      expect(backend.letters[0]?.reason).toBe("failed");
      expect(backend.letters[0]?.error).toMatch(text);
    });
  }

  it("counts an attempt past handlerTimeoutMs as failed, and stop() does not wait for the handler", async () => {
    let calls = 0;
    const { dispatcher, backend, stop } = setup(
      () => {
        calls += 1;
        return new Promise<void>(() => {});
      },
      { handlerTimeoutMs: 20, retryDelay: 0, maxAttempts: 2 },
    );
    const delivery = recordingDelivery(recordedMessage("Opened"), 1);
    expect(await settled(dispatcher, delivery)).toEqual([{ kind: "term" }]);
    expect(calls).toBe(2);
    expect(backend.letters[0]?.error).toMatch(/handlerTimeoutMs \(20 ms\)/);
    const stuck = recordingDelivery(recordedMessage("Opened", 1), 1);
    await dispatcher.offer(stuck);
    stop.abort();
    const started = performance.now();
    await dispatcher.drain();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(stuck.settlements).toEqual([{ kind: "nak", delayMs: 0 }]);
  });
});
