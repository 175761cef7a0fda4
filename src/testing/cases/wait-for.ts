/** `waitFor`: only new messages by default, no race with a write right after the call, replay with `from…`. */
import { expect } from "vitest";
import { isTimeoutError, TimeoutError } from "../../errors.ts";
import { thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

export function waitForCases({ store: newStore, test }: SuiteContext): void {
  test("by default an existing matching message does not satisfy waitFor", async () => {
    const store = await newStore();
    const stream = `wait-${uniqueId()}`;
    await store.write(stream, { type: "Done" });
    const error = await thrownBy(() =>
      store.waitFor(stream, (m) => m.type === "Done", { timeoutMs: 300 }),
    );
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  test("a write right after the call is seen (repeated, so a race would show)", async () => {
    const store = await newStore();
    for (let round = 0; round < 10; round += 1) {
      const stream = `wait-${uniqueId()}`;
      const waiting = store.waitFor(stream, (m) => m.type === "Done", { timeoutMs: 5000 });
      const written = await store.write(stream, { type: "Done", data: round });
      const found = await waiting;
      expect(found).toMatchObject({ type: "Done", data: round, streamName: stream });
      expect(found.globalPosition).toBe(written.globalPosition);
    }
  });

  test("waitFor on a category resolves with a later message of any of its streams", async () => {
    const store = await newStore();
    const categoryName = `wait${uniqueId()}`;
    await store.write(`${categoryName}-1`, { type: "Done", data: "old" });
    const waiting = store.waitFor(categoryName, (m) => m.type === "Done", { timeoutMs: 5000 });
    await store.write(`${categoryName}-2`, { type: "Other" });
    await store.write(`${categoryName}-3`, { type: "Done", data: "new" });
    expect(await waiting).toMatchObject({ data: "new", streamName: `${categoryName}-3` });
  });

  test("fromPosition replays existing messages first, then waits live", async () => {
    const store = await newStore();
    const stream = `wait-${uniqueId()}`;
    await store.write(stream, [
      { type: "Step", data: 0 },
      { type: "Step", data: 1 },
      { type: "Step", data: 2 },
    ]);
    const existing = await store.waitFor(stream, (m) => m.type === "Step", { fromPosition: 1 });
    expect(existing).toMatchObject({ data: 1, position: 1 });
    const waiting = store.waitFor(stream, (m) => m.data === 3, {
      fromPosition: 0,
      timeoutMs: 5000,
    });
    await store.write(stream, { type: "Step", data: 3 });
    expect(await waiting).toMatchObject({ data: 3, position: 3 });
  });

  test("fromGlobalPosition replays a category's existing messages first", async () => {
    const store = await newStore();
    const categoryName = `wait${uniqueId()}`;
    const first = await store.write(`${categoryName}-1`, { type: "Done", data: "a" });
    await store.write(`${categoryName}-2`, { type: "Done", data: "b" });
    const found = await store.waitFor(categoryName, (m) => m.type === "Done", {
      fromGlobalPosition: first.globalPosition + 1,
    });
    expect(found.data).toBe("b");
  });

  test("a miss throws TimeoutError", async () => {
    const store = await newStore();
    const stream = `wait-${uniqueId()}`;
    const waiting = store.waitFor(stream, (m) => m.type === "Never", { timeoutMs: 200 });
    await store.write(stream, { type: "Something" });
    const error = await thrownBy(() => waiting);
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ code: "TIMEOUT" });
  });
}
