/**
 * Type tests: `npm run typecheck` proves them (each `@ts-expect-error` must meet an error, or
 * the check fails); vitest runs the bodies so the calls are also valid at run time.
 */
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  connect,
  declared,
  defineCategory,
  type HandlerContext,
  type MessageOf,
  type RecordedMessage,
} from "../../src/index.ts";

const accounts = defineCategory("account", {
  Opened: z.object({ owner: z.string() }),
  Deposited: v.object({ amount: v.number() }),
  Closed: declared<{ reason: string }>(),
});
type AccountMessage = MessageOf<typeof accounts>;

describe("typed messages: types", () => {
  it("a contract's message union lets `type` narrow `data`", () => {
    expectTypeOf<AccountMessage["type"]>().toEqualTypeOf<"Opened" | "Deposited" | "Closed">();
    const describeMessage = (message: AccountMessage): string => {
      switch (message.type) {
        case "Opened":
          expectTypeOf(message.data).toEqualTypeOf<{ owner: string }>();
          return message.data.owner;
        case "Deposited":
          expectTypeOf(message.data).toEqualTypeOf<{ amount: number }>();
          return String(message.data.amount);
        case "Closed":
          return message.data.reason;
      }
    };
    expectTypeOf(describeMessage).returns.toBeString();
  });

  it("write, read, get, last, readCategory, tail, waitFor and consume are typed from the reference", async () => {
    await using store = await connect("memory:");
    const account = accounts.stream("1");
    await store.write(account, { type: "Deposited", data: { amount: 5 } });
    await store.write(account, [
      { type: "Opened", data: { owner: "Ada" } },
      { type: "Closed", data: { reason: "done" } },
    ]);
    // @ts-expect-error a type the contract does not declare
    await store.write(account, { type: "Depositted", data: { amount: 5 } }).catch(() => {});
    // @ts-expect-error data of the wrong shape
    await store.write(account, { type: "Deposited", data: { amount: "5" } }).catch(() => {});
    // @ts-expect-error a declared type needs its data
    await store.write(account, { type: "Deposited" }).catch(() => {});

    expectTypeOf(await store.get(account)).toEqualTypeOf<AccountMessage[]>();
    for await (const message of store.read(account))
      expectTypeOf(message).toEqualTypeOf<AccountMessage>();
    expectTypeOf(await store.last(account)).toEqualTypeOf<AccountMessage | undefined>();
    // @ts-expect-error `last`'s type filter takes only declared types
    await store.last(account, { type: "Depositted" });
    expectTypeOf(store.readCategory(accounts)).toEqualTypeOf<AsyncGenerator<AccountMessage>>();
    expectTypeOf(store.tail(accounts)).toEqualTypeOf<AsyncGenerator<AccountMessage>>();
    const deposited = await store.waitFor(account, (m) => m.type === "Deposited", {
      fromPosition: 0,
    });
    expectTypeOf(deposited.data).toEqualTypeOf<{ amount: number }>();
    expectTypeOf(store.consume(accounts, { consumer: "c" })).toEqualTypeOf<
      AsyncIterable<import("../../src/index.ts").ConsumedMessage<AccountMessage>>
    >();
  });

  it("fetch and subscribe handlers receive their type's message; an undeclared handler does not compile", async () => {
    await using store = await connect("memory:");
    const { state } = await store.fetch(accounts.stream("2"), {
      init: { balance: 0 },
      handlers: {
        Deposited: (current, message) => ({ balance: current.balance + message.data.amount }),
      },
    });
    expectTypeOf(state).toEqualTypeOf<{ balance: number }>();
    // @ts-expect-error a misspelt handler name (fetch has overloads, so the call is the error)
    await store.fetch(accounts.stream("2"), {
      init: { balance: 0 },
      handlers: {
        Depositted: (current: { balance: number }) => current,
      },
    });
    const subscription = store.subscribe(accounts, {
      consumer: "typed",
      handlers: {
        Opened: (message, context) => {
          expectTypeOf(message.data.owner).toBeString();
          expectTypeOf(context).toEqualTypeOf<HandlerContext>();
        },
        // @ts-expect-error a handler for an undeclared type
        Reopened: () => {},
      },
    });
    await subscription.stop();
  });

  it("untyped use is unchanged: RecordedMessage with unknown data", async () => {
    await using store = await connect("memory:");
    await store.write("thing-1", { type: "Anything", data: { any: "shape" } });
    expectTypeOf(await store.get("thing-1")).toEqualTypeOf<RecordedMessage[]>();
    const { state } = await store.fetch("thing-1", {
      init: 0,
      handlers: {
        Anything: (count: number, message: RecordedMessage) => count + (message.data ? 1 : 0),
      },
    });
    expectTypeOf(state).toBeNumber();
    const subscription = store.subscribe("thing", {
      consumer: "untyped",
      handlers: {
        Anything: (message) => {
          expectTypeOf(message).toEqualTypeOf<RecordedMessage>();
          expectTypeOf(message.data).toBeUnknown();
        },
      },
    });
    await subscription.stop();
  });
});
