/**
 * Property: any message, or array of messages, with any `data` and `metadata` is refused with
 * `InvalidMessageError` or written, the same on every backend. A refused write leaves nothing
 * behind (not even part of an array); a written one reads back equal to what was written.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/index.ts";
import { writeInput } from "./arbitraries.ts";
import { expectSameVerdicts, outcome, useBackends } from "./backends.ts";
import { profile, timeoutFor } from "./profile.ts";

const QUICK_RUNS = 100;

/** `value` with every -0 turned into 0: JSON has one zero. Only called on accepted values. */
function zeroed(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(zeroed);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, zeroed(item)]));
  }
  return value;
}

/** What a message that was accepted must read back as. */
function expectedRecord(input: unknown): unknown {
  const { id, type, data, metadata } = input as Message;
  return {
    ...(typeof id === "string" ? { id } : {}),
    type,
    data: zeroed(data === undefined ? {} : data),
    metadata: zeroed(metadata ?? {}),
  };
}

describe("property: message bodies and metadata", () => {
  const backends = useBackends("propbodies");

  it(
    "a write is refused with a typed error or reads back as written, the same on every backend",
    async () => {
      await fc.assert(
        fc.asyncProperty(writeInput, async (input) => {
          // A fresh stream per run: anything found there afterwards came from this write.
          const stream = `body-${randomUUID()}`;
          const results = await backends.each(async (store) => {
            const write = await outcome(() => store.write(stream, input as Message | Message[]));
            return { write, stored: await store.get(stream) };
          });
          expectSameVerdicts(results, (result) => result.write.verdict);
          for (const { write, stored } of results) {
            if (write.verdict !== "ok") {
              expect(stored).toEqual([]);
              continue;
            }
            const sent: unknown[] = Array.isArray(input) ? input : [input];
            expect(stored.map((message) => message.position)).toEqual(sent.map((_, n) => n));
            expect(write.value?.position).toBe(sent.length - 1);
            for (const [index, message] of stored.entries()) {
              const { id, type, data, metadata } = message;
              const gaveId = typeof (sent[index] as Message).id === "string";
              expect({ ...(gaveId ? { id } : {}), type, data, metadata }).toEqual(
                expectedRecord(sent[index]),
              );
            }
          }
          expect(results[0]?.stored.length).toBe(results.at(-1)?.stored.length);
        }),
        profile(QUICK_RUNS),
      );
    },
    timeoutFor(QUICK_RUNS, 200),
  );
});
