/** Writing: positions, ids, atomic arrays, idempotent retries, names with a `-` in the category. */

import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { isExpectedVersionError } from "../../errors.ts";
import { collect, summary, thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

export function writeCases({ store: newStore, test }: SuiteContext): void {
  test("a write returns the message's position and globalPosition", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const first = await store.write(stream, { type: "Opened", data: { n: 1 } });
    const second = await store.write(stream, { type: "Deposited", data: { n: 2 } });
    expect(first.position).toBe(0);
    expect(second.position).toBe(1);
    expect(second.globalPosition).toBeGreaterThan(first.globalPosition);
    const messages = await store.get(stream);
    expect(messages.map((m) => [m.position, m.globalPosition])).toEqual([
      [0, first.globalPosition],
      [1, second.globalPosition],
    ]);
    expect(await store.version(stream)).toBe(1);
  });

  test("a written message reads back with every field", async () => {
    const store = await newStore();
    const streamId = uniqueId();
    const stream = `account-${streamId}`;
    const id = randomUUID();
    const before = Date.now();
    await store.write(stream, {
      id,
      type: "Deposited",
      data: { amount: 5, nested: { list: [1, "two", null, true] } },
      metadata: { traceId: "t-1", unknownKey: { kept: true } },
    });
    const [message] = await store.get(stream);
    expect(message).toMatchObject({
      id,
      type: "Deposited",
      data: { amount: 5, nested: { list: [1, "two", null, true] } },
      metadata: { traceId: "t-1", unknownKey: { kept: true } },
      streamName: stream,
      category: "account",
      streamId,
      position: 0,
    });
    expect(typeof message?.globalPosition).toBe("number");
    expect(message?.time).toBeInstanceOf(Date);
    // Generous bounds: clocks only need to agree on the day, not the millisecond.
    expect(Math.abs((message?.time.getTime() ?? 0) - before)).toBeLessThan(60_000);
  });

  test("ids are assigned when missing, distinct, and kept when given", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const given = randomUUID();
    await store.write(stream, [{ type: "A" }, { type: "B" }, { id: given, type: "C" }]);
    const messages = await store.get(stream);
    const ids = messages.map((m) => m.id);
    expect(ids[2]).toBe(given);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/i);
    // Stable across reads.
    expect((await store.get(stream)).map((m) => m.id)).toEqual(ids);
  });

  test("metadata is {} when none was written; data may be any JSON value", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const values = ["text", 42, 0, true, false, null, [1, 2], {}];
    await store.write(
      stream,
      values.map((data) => ({ type: "Value", data })),
    );
    const messages = await store.get(stream);
    expect(messages.map((m) => m.data)).toEqual(values);
    for (const message of messages) expect(message.metadata).toEqual({});
  });

  test("data defaults to {} when omitted", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { type: "Pinged" });
    const [message] = await store.get(stream);
    expect(message?.data).toEqual({});
  });

  test("an array write is atomic and returns the last message's place", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { type: "Opened" });
    const result = await store.write(stream, [
      { type: "A", data: 1 },
      { type: "B", data: 2 },
      { type: "C", data: 3 },
    ]);
    const messages = await store.get(stream);
    expect(messages.map((m) => [m.type, m.position])).toEqual([
      ["Opened", 0],
      ["A", 1],
      ["B", 2],
      ["C", 3],
    ]);
    const last = messages[3];
    expect(result).toEqual({ position: 3, globalPosition: last?.globalPosition });
  });

  test("a {category, id} ref works for a category containing '-'", async () => {
    const store = await newStore();
    const ref = { category: "import-podcast:command", id: uniqueId() };
    const result = await store.write(ref, { type: "Import", data: { url: "u" } });
    expect(result.position).toBe(0);
    const [message] = await store.get(ref);
    expect(message).toMatchObject({
      type: "Import",
      category: "import-podcast:command",
      streamId: ref.id,
      streamName: `import-podcast:command-${ref.id}`,
      position: 0,
    });
    expect(await store.version(ref)).toBe(0);
    expect((await store.last(ref))?.type).toBe("Import");
    // The same name as a string splits at the first '-': a different stream.
    expect(await store.version(`import-podcast:command-${ref.id}`)).toBe(-1);
  });

  test("compound ids and category types read back as written", async () => {
    const store = await newStore();
    const base = uniqueId();
    const stream = `account:command+position-${base}+456`;
    await store.write(stream, { type: "Deposit" });
    const [message] = await store.get(stream);
    expect(message).toMatchObject({
      streamName: stream,
      category: "account:command+position",
      streamId: `${base}+456`,
    });
  });

  test("a retry with the same id and expected version stores once and returns the first result", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const message = { id: randomUUID(), type: "Deposited", data: { amount: 1 } };
    const first = await store.write(stream, message, { expectedVersion: -1 });
    const retry = await store.write(stream, message, { expectedVersion: -1 });
    expect(retry).toEqual(first);
    expect(await store.version(stream)).toBe(0);
    // Still a retry after other writes landed behind it.
    await store.write(stream, { type: "Other" });
    expect(await store.write(stream, message, { expectedVersion: -1 })).toEqual(first);
    expect((await store.get(stream)).map((m) => m.id)).toHaveLength(2);
  });

  test("a blind retry with the same id by the same store stores once", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const message = { id: randomUUID(), type: "Deposited" };
    const first = await store.write(stream, message);
    const retry = await store.write(stream, message);
    expect(retry).toEqual(first);
    expect(await store.version(stream)).toBe(0);
  });

  test("the same message written twice without an id is stored twice: a retry needs the caller's id", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const message = { type: "Deposited", data: { amount: 1 } };
    const first = await store.write(stream, message);
    const second = await store.write(stream, message);
    expect([first.position, second.position]).toEqual([0, 1]);
    const stored = await store.get(stream);
    expect(new Set(stored.map((m) => m.id)).size).toBe(2);
  });

  test("a retried array write returns the original batch's result and stores nothing", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    const batch = [
      { id: randomUUID(), type: "A" },
      { id: randomUUID(), type: "B" },
    ];
    const first = await store.write(stream, batch, { expectedVersion: "no_stream" });
    expect(first.position).toBe(1);
    expect(await store.write(stream, batch, { expectedVersion: "no_stream" })).toEqual(first);
    expect(await store.write(stream, batch)).toEqual(first);
    expect(summary(await store.get(stream))).toHaveLength(2);
  });

  test("a new id with a stale expected version is a conflict, not a retry", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { id: randomUUID(), type: "A" }, { expectedVersion: -1 });
    const error = await thrownBy(() =>
      store.write(stream, { id: randomUUID(), type: "A" }, { expectedVersion: -1 }),
    );
    expect(isExpectedVersionError(error)).toBe(true);
    expect(await collect(store.read(stream))).toHaveLength(1);
  });
}
