/** The one reopen rule, over sources of our own interface (no backend needed). */
import { describe, expect, it } from "vitest";
import type { ConsumerSource, Delivery } from "../../src/backend.ts";
import {
  REOPEN_DELAY_MS,
  reopenDelay,
  reopeningSource,
} from "../../src/subscribe/reopening-source.ts";
import { recordingLogger } from "../support/recording-logger.ts";
import { recordedMessage, recordingDelivery } from "./recording-delivery.ts";

/** A source that yields `count` deliveries, then ends or throws `failure`. */
function scriptedSource(count: number, failure?: Error): ConsumerSource & { closed: boolean } {
  const source = {
    closed: false,
    async *[Symbol.asyncIterator](): AsyncGenerator<Delivery> {
      for (let n = 0; n < count; n += 1) yield recordingDelivery(recordedMessage("Opened", n), 1);
      if (failure !== undefined) throw failure;
    },
    async close() {
      source.closed = true;
    },
  };
  return source;
}

describe("reopening source", () => {
  it("backs off 250 ms, doubling per failure in a row, at most 1 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(reopenDelay)).toEqual([
      250, 500, 1000, 1000, 1000, 1000, 1000, 1000,
    ]);
  });

  it("reopens a source that failed or ended, reports both, and closes each one", async () => {
    const opened: ReturnType<typeof scriptedSource>[] = [];
    const scripts = [() => scriptedSource(2, new Error("lost")), () => scriptedSource(1)];
    const events: string[] = [];
    const logger = recordingLogger();
    const source = reopeningSource(
      () => {
        const next = (scripts[opened.length] ?? (() => scriptedSource(3)))();
        opened.push(next);
        return next;
      },
      {
        logger,
        consumer: "worker",
        failed: (error) => events.push(`failed: ${(error as Error).message}`),
        reopening: () => events.push("reopening"),
      },
    );
    const started = performance.now();
    let seen = 0;
    for await (const _delivery of source) {
      seen += 1;
      if (seen === 5) break;
    }
    // 2 from the first, 1 from the second, 2 from the third; two pauses of 250 ms each (the
    // delivery in between resets the count of failures in a row).
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * REOPEN_DELAY_MS - 5);
    expect(events).toEqual(["failed: lost", "reopening", "reopening"]);
    expect(opened.map((each) => each.closed)).toEqual([true, true, true]);
    expect(logger.entries.map((entry) => entry.level)).toEqual(["error", "warn"]);
  });

  it("close() during the pause ends the iteration at once", async () => {
    const source = reopeningSource(() => scriptedSource(0, new Error("down")), {
      logger: recordingLogger(),
      consumer: "worker",
    });
    const iterator = source[Symbol.asyncIterator]();
    const pending = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await source.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(REOPEN_DELAY_MS);
  });
});
