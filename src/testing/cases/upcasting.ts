/**
 * Upcasting: messages stored at an older schema version reach every read path at the newest
 * one. The old messages are written by name, without the contract, as an older service did.
 */
import { expect } from "vitest";
import { defineCategory } from "../../messages/contract.ts";
import { collect, eventually, uniqueId } from "../helpers.ts";
import type { SchemaKit } from "../schema-kit.ts";
import type { SuiteContext } from "../suite.ts";

/** Version 1 `{ amount }` (units), version 2 `{ cents }`, version 3 `{ cents, currency }`. */
function ledgerWith(kit: SchemaKit) {
  return defineCategory(`ledger${uniqueId()}`, {
    Deposited: {
      schema: kit.object({ cents: "number", currency: "string" }),
      upcasters: [
        (v1: { amount: number }) => ({ cents: v1.amount * 100 }),
        (v2: { cents: number }) => ({ ...v2, currency: "EUR" }),
      ],
    },
  });
}

const NEWEST = { cents: 200, currency: "EUR" };

export function upcastingCases({ store: newStore, test, schemaKits }: SuiteContext): void {
  const kit = schemaKits[0] ?? schemaKits[schemaKits.length - 1];
  if (kit === undefined) return;

  test("read, get, last, readCategory and fetch give old versions upcast to the newest", async () => {
    const store = await newStore();
    const ledger = ledgerWith(kit);
    const stream = ledger.stream("1");
    const name = `${ledger.category}-1`;
    await store.write(name, { type: "Deposited", data: { amount: 2 } });
    await store.write(name, {
      type: "Deposited",
      data: { cents: 200 },
      metadata: { schemaVersion: 2 },
    });
    await store.write(stream, { type: "Deposited", data: NEWEST });

    const got = await store.get(stream);
    expect(got.map((message) => message.data)).toEqual([NEWEST, NEWEST, NEWEST]);
    expect(got.map((message) => message.metadata.schemaVersion)).toEqual([3, 3, 3]);
    expect((await collect(store.read(stream))).map((message) => message.data)).toEqual([
      NEWEST,
      NEWEST,
      NEWEST,
    ]);
    expect((await collect(store.readCategory(ledger))).map((message) => message.data)).toEqual([
      NEWEST,
      NEWEST,
      NEWEST,
    ]);
    expect((await store.last(ledger.stream("1"), { type: "Deposited" }))?.data).toEqual(NEWEST);
    const { state } = await store.fetch(stream, {
      init: 0,
      handlers: { Deposited: (total, message) => total + message.data.cents },
    });
    expect(state).toBe(600);
    // Read by name, without the contract, the stored messages are what was written.
    expect((await store.get(name)).map((message) => message.data)).toEqual([
      { amount: 2 },
      { cents: 200 },
      NEWEST,
    ]);
  });

  test("tail and waitFor give old versions upcast", async () => {
    const store = await newStore();
    const ledger = ledgerWith(kit);
    const name = `${ledger.category}-2`;
    const controller = new AbortController();
    const tailed = (async () => {
      for await (const message of store.tail(ledger, {
        fromGlobalPosition: 1,
        signal: controller.signal,
      }))
        return message;
      return undefined;
    })();
    const waited = store.waitFor(ledger.stream("2"), (message) => message.data.cents === 200);
    await store.write(name, { type: "Deposited", data: { amount: 2 } });
    expect((await waited).data).toEqual(NEWEST);
    expect((await tailed)?.data).toEqual(NEWEST);
    controller.abort();
  });

  test("subscribe handlers and consume() receive old versions upcast", async () => {
    const store = await newStore();
    const ledger = ledgerWith(kit);
    await store.write(`${ledger.category}-3`, { type: "Deposited", data: { amount: 2 } });
    const handled: unknown[] = [];
    const subscription = store.subscribe(ledger, {
      consumer: `c${uniqueId()}`,
      handlers: { Deposited: (message) => void handled.push(message.data) },
    });
    await subscription.start();
    await eventually("the upcast message handled", () => handled.length === 1);
    await subscription.stop();
    expect(handled).toEqual([NEWEST]);

    for await (const item of store.consume(ledger, { consumer: `c${uniqueId()}` })) {
      expect(item.message.data).toEqual(NEWEST);
      expect(item.message.metadata.schemaVersion).toBe(3);
      await item.ack();
      break;
    }
  });
}
