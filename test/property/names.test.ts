/**
 * Property: any stream or category name ends in `InvalidStreamNameError` or a working stream,
 * the same on every backend. Names that pass are written and read back under the same name;
 * names that fail leave nothing behind.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StreamRef, TargetRef } from "../../src/index.ts";
import { collect } from "../../src/testing/helpers.ts";
import { streamRef } from "./arbitraries.ts";
import { expectSameVerdicts, outcome, useBackends } from "./backends.ts";
import { profile, timeoutFor } from "./profile.ts";

const QUICK_RUNS = 60;

// Deliberately ill-typed: the generator makes whatever a JavaScript caller could pass.
const asStream = (ref: unknown): StreamRef => ref as StreamRef;
const asTarget = (ref: unknown): TargetRef => ref as TargetRef;

describe("property: stream names", () => {
  const backends = useBackends("propnames");

  it(
    "a name is refused with a typed error or works, the same on every backend",
    async () => {
      await fc.assert(
        fc.asyncProperty(streamRef, async (ref) => {
          const id = randomUUID();
          const results = await backends.each(async (store) => {
            const before = await outcome(() => store.version(asStream(ref)));
            const write = await outcome(() => store.write(asStream(ref), { id, type: "Named" }));
            const after = await outcome(() => store.version(asStream(ref)));
            const last = await outcome(() => store.last(asStream(ref)));
            const category = await outcome(() =>
              collect(store.readCategory(asTarget(ref), { maxCount: 1 })),
            );
            const tail = await outcome(() =>
              store.waitFor(asTarget(ref), () => true, { timeoutMs: 0 }),
            );
            return { before, write, after, last, category, tail };
          });
          expectSameVerdicts(results, (result) => ({
            before: result.before.verdict,
            write: result.write.verdict,
            after: result.after.verdict,
            last: result.last.verdict,
            category: result.category.verdict,
            // A name's verdict, not the timing: waitFor either refuses the name or waits.
            tail: result.tail.verdict === "TIMEOUT" ? "ok" : result.tail.verdict,
          }));
          for (const { before, write, after, last } of results) {
            if (write.verdict !== "ok") {
              expect(after.value).toEqual(before.value);
              continue;
            }
            expect(after.value).toBe((before.value ?? -1) + 1);
            expect(last.value?.id).toBe(id);
            expect(last.value?.position).toBe(after.value);
            expect(last.value?.streamName).toBe(`${last.value?.category}-${last.value?.streamId}`);
          }
        }),
        profile(QUICK_RUNS),
      );
    },
    timeoutFor(QUICK_RUNS, 200),
  );
});
