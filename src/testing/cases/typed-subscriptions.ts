/**
 * Typed messages in subscriptions: with `validate`, a delivery whose data fails its schema is
 * dead-lettered (reason `invalid`, the schema's issues as its error) and never handled.
 */
import { expect } from "vitest";
import { isInvalidOptionsError } from "../../errors.ts";
import { defineCategory } from "../../messages/contract.ts";
import { eventually, sleep, thrownBy, uniqueId } from "../helpers.ts";
import type { SchemaKit } from "../schema-kit.ts";
import type { SuiteContext } from "../suite.ts";

function accountsWith(kit: SchemaKit) {
  return defineCategory(`typedsub${uniqueId()}`, {
    Deposited: kit.object({ amount: "number" }),
  });
}

export function typedSubscriptionCases({ store: newStore, test, schemaKits }: SuiteContext): void {
  for (const kit of schemaKits) {
    test(`[${kit.name}] with validate, an invalid delivery is dead-lettered with reason invalid and the subscription goes on`, async () => {
      const store = await newStore();
      const accounts = accountsWith(kit);
      const deadLetter = `dlq${uniqueId()}`;
      // Written by name: an older or untyped writer that the contract did not check.
      await store.write(`${accounts.category}-1`, { type: "Deposited", data: { amount: "ten" } });
      await store.write(accounts.stream("2"), { type: "Deposited", data: { amount: 10 } });
      const handled: number[] = [];
      const subscription = store.subscribe(accounts, {
        consumer: `c${uniqueId()}`,
        validate: true,
        deadLetter,
        handlers: { Deposited: (message) => void handled.push(message.data.amount) },
      });
      await subscription.start();
      await eventually("the valid message handled", () => handled.length === 1);
      await eventually(
        "the dead letter",
        async () => (await store.deadLetters(deadLetter)).length === 1,
      );
      expect(handled).toEqual([10]);
      const [letter] = await store.deadLetters(deadLetter);
      expect(letter).toMatchObject({
        reason: "invalid",
        attempts: 1,
        streamName: `${accounts.category}-1`,
      });
      expect(letter?.error).toContain("amount");
      // The dead letter is the stored message, unchanged.
      expect(letter?.message?.data).toEqual({ amount: "ten" });
      expect(subscription.running).toBe(true);
    });
  }

  test("consume() with validate dead-letters an invalid message and hands out the next", async () => {
    const store = await newStore();
    const kit = schemaKits[0];
    if (kit === undefined) return;
    const accounts = accountsWith(kit);
    const deadLetter = `dlq${uniqueId()}`;
    await store.write(`${accounts.category}-1`, { type: "Deposited", data: {} });
    await store.write(accounts.stream("1"), { type: "Deposited", data: { amount: 3 } });
    const consumer = `c${uniqueId()}`;
    for await (const item of store.consume(accounts, { consumer, validate: true, deadLetter })) {
      expect(item.message.data).toEqual({ amount: 3 });
      await item.ack();
      break;
    }
    const letters = await store.deadLetters(deadLetter);
    expect(letters.map(({ reason, attempts }) => ({ reason, attempts }))).toEqual([
      { reason: "invalid", attempts: 1 },
    ]);
  });

  test("without validate, a delivery that fails its schema reaches the handler", async () => {
    const store = await newStore();
    const kit = schemaKits[0];
    if (kit === undefined) return;
    const accounts = accountsWith(kit);
    await store.write(`${accounts.category}-1`, { type: "Deposited", data: { amount: "ten" } });
    const handled: unknown[] = [];
    const subscription = store.subscribe(accounts, {
      consumer: `c${uniqueId()}`,
      handlers: { Deposited: (message) => void handled.push(message.data) },
    });
    await subscription.start();
    await eventually("the message handled", () => handled.length === 1);
    expect(handled).toEqual([{ amount: "ten" }]);
  });

  test("upcasting runs before validation", async () => {
    const store = await newStore();
    const kit = schemaKits[0];
    if (kit === undefined) return;
    const ledger = defineCategory(`ledger${uniqueId()}`, {
      Deposited: {
        schema: kit.object({ cents: "number" }),
        upcasters: [(v1: { amount: number }) => ({ cents: v1.amount * 100 })],
      },
    });
    const deadLetter = `dlq${uniqueId()}`;
    await store.write(`${ledger.category}-1`, { type: "Deposited", data: { amount: 1 } });
    const handled: number[] = [];
    const subscription = store.subscribe(ledger, {
      consumer: `c${uniqueId()}`,
      validate: true,
      deadLetter,
      handlers: { Deposited: (message) => void handled.push(message.data.cents) },
    });
    await subscription.start();
    await eventually("the upcast message handled", () => handled.length === 1);
    await sleep(50);
    expect(handled).toEqual([100]);
    expect(await store.deadLetters(deadLetter)).toEqual([]);
  });

  test("validate on a target without a contract is refused with InvalidOptionsError", async () => {
    const store = await newStore();
    const error = await thrownBy(() =>
      store.subscribe(`plain${uniqueId()}`, { consumer: "c", validate: true, handlers: {} }),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
    const consumeError = await thrownBy(() =>
      store.consume(`plain${uniqueId()}`, { consumer: "c", validate: true }),
    );
    expect(isInvalidOptionsError(consumeError)).toBe(true);
  });
}
