/**
 * Eventide's metadata conventions: `follow()` and `ctx.follow()` record causation and carry
 * correlation and reply streams; `ctx.reply()` answers on the reply stream; `correlation`
 * filters `readCategory` and subscriptions as Message DB does.
 */
import { expect } from "vitest";
import { isInvalidMessageError, isInvalidOptionsError } from "../../errors.ts";
import { follow } from "../../messages/follow.ts";
import { collect, eventually, sleep, thrownBy, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const CHAIN = {
  correlationStreamName: "order-7",
  replyStreamName: "orderReply-7",
  originSubject: "orders.placed",
  traceId: "trace-7",
};

export function causationCases({ store: newStore, test }: SuiteContext): void {
  test("follow() records the causation and carries correlation, reply, originSubject and traceId", async () => {
    const store = await newStore();
    const command = `payment:command-${uniqueId()}`;
    await store.write(command, { type: "Pay", data: {}, metadata: { ...CHAIN, userId: "u1" } });
    const previous = await store.last(command);
    if (previous === undefined) throw new Error("the command was written");
    const next = { type: "Paid", data: { amount: 1 }, metadata: { own: true } };
    const event = `payment-${uniqueId()}`;
    await store.write(event, follow(previous, next));
    expect(next.metadata).toEqual({ own: true });
    expect((await store.last(event))?.metadata).toEqual({
      own: true,
      ...CHAIN,
      causationMessageStreamName: command,
      causationMessagePosition: 0,
      causationMessageGlobalPosition: previous.globalPosition,
    });
  });

  test("ctx.follow() and ctx.reply() in a handler: the reply goes to the reply stream, followed", async () => {
    const store = await newStore();
    const category = `payment:command${uniqueId()}`;
    const replyStream = `paymentReply-${uniqueId()}`;
    const events = `payment-${uniqueId()}`;
    const subscription = store.subscribe(category, {
      consumer: `c${uniqueId()}`,
      handlers: {
        Pay: async (_message, context) => {
          await store.write(events, context.follow({ type: "Paid", data: {} }));
          await context.reply({ type: "PaymentDone", data: { ok: true } });
        },
      },
    });
    await subscription.start();
    await store.write(`${category}-1`, {
      type: "Pay",
      data: {},
      metadata: { correlationStreamName: "order-1", replyStreamName: replyStream },
    });
    const reply = await store.waitFor(replyStream, () => true, { fromPosition: 0 });
    expect(reply.type).toBe("PaymentDone");
    // A reply asks for no reply of its own.
    expect(reply.metadata).toEqual({
      correlationStreamName: "order-1",
      causationMessageStreamName: `${category}-1`,
      causationMessagePosition: 0,
      causationMessageGlobalPosition: expect.any(Number),
    });
    expect((await store.last(events))?.metadata).toMatchObject({
      correlationStreamName: "order-1",
      replyStreamName: replyStream,
      causationMessageStreamName: `${category}-1`,
    });
  });

  test("ctx.reply() without a replyStreamName rejects with InvalidMessageError", async () => {
    const store = await newStore();
    const category = `payment:command${uniqueId()}`;
    const errors: unknown[] = [];
    const subscription = store.subscribe(category, {
      consumer: `c${uniqueId()}`,
      handlers: {
        Pay: async (_message, context) => {
          errors.push(await context.reply({ type: "Done" }).catch((error: unknown) => error));
        },
      },
    });
    await subscription.start();
    await store.write(`${category}-1`, { type: "Pay" });
    await eventually("the handler ran", () => errors.length === 1);
    expect(isInvalidMessageError(errors[0])).toBe(true);
  });

  test("readCategory with correlation yields only messages correlated with that category", async () => {
    const store = await newStore();
    const category = `payment${uniqueId()}`;
    await store.write(`${category}-1`, [
      { type: "Paid", data: { n: 1 }, metadata: { correlationStreamName: "order-1" } },
      { type: "Paid", data: { n: 2 }, metadata: { correlationStreamName: "invoice-1" } },
      { type: "Paid", data: { n: 3 } },
      { type: "Paid", data: { n: 4 }, metadata: { correlationStreamName: "order" } },
      { type: "Paid", data: { n: 5 }, metadata: { correlationStreamName: "order-2" } },
      { type: "Paid", data: { n: 6 }, metadata: { correlationStreamName: "orderly-2" } },
    ]);
    const all = await collect(store.readCategory(category, { correlation: "order" }));
    expect(all.map((message) => message.data)).toEqual([{ n: 1 }, { n: 4 }, { n: 5 }]);
    const capped = await collect(
      store.readCategory(category, { correlation: "order", maxCount: 2 }),
    );
    expect(capped.map((message) => message.data)).toEqual([{ n: 1 }, { n: 4 }]);
    const error = await thrownBy(() =>
      collect(store.readCategory(category, { correlation: "order-1" })),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
  });

  test("subscribe and consume with correlation receive only correlated messages", async () => {
    const store = await newStore();
    const category = `payment${uniqueId()}`;
    await store.write(`${category}-1`, [
      { type: "Paid", data: { n: 1 }, metadata: { correlationStreamName: "invoice-1" } },
      { type: "Paid", data: { n: 2 }, metadata: { correlationStreamName: "order-1" } },
      { type: "Paid", data: { n: 3 } },
      { type: "Paid", data: { n: 4 }, metadata: { correlationStreamName: "order-2" } },
    ]);
    const handled: unknown[] = [];
    const subscription = store.subscribe(category, {
      consumer: `c${uniqueId()}`,
      correlation: "order",
      handlers: { Paid: (message) => void handled.push(message.data) },
    });
    await subscription.start();
    await eventually("both correlated messages", () => handled.length === 2);
    await sleep(50);
    expect(handled).toEqual([{ n: 2 }, { n: 4 }]);

    const consumed: unknown[] = [];
    for await (const item of store.consume(category, {
      consumer: `c${uniqueId()}`,
      correlation: "order",
    })) {
      consumed.push(item.message.data);
      await item.ack();
      if (consumed.length === 2) break;
    }
    expect(consumed).toEqual([{ n: 2 }, { n: 4 }]);
  });
}
