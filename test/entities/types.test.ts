/**
 * Type tests for entities and commands typed from a message contract: `npm run typecheck`
 * proves them (each `@ts-expect-error` must meet an error, or the check fails); vitest runs
 * the bodies so the calls are also valid at run time.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  connect,
  declared,
  defineCategory,
  type Message,
  type MessageOf,
  type RecordedMessage,
} from "../../src/index.ts";

const accounts = defineCategory("account", {
  Deposited: z.object({ amount: z.number() }),
  Withdrawn: declared<{ amount: number }>(),
});
type AccountEvent = MessageOf<typeof accounts>;
type Deposit = Message<"Deposit", { amount: number }>;

const accountOptions = {
  category: accounts,
  init: { balance: 0 },
  handlers: {
    Deposited: (state: { balance: number }, message: { data: { amount: number } }) => ({
      balance: state.balance + message.data.amount,
    }),
  },
};

describe("entities typed from a contract: types", () => {
  it("handlers receive their type's message; a handler for an undeclared type does not compile", async () => {
    await using store = await connect("memory:");
    const entities = store.entities({
      category: accounts,
      init: { balance: 0 },
      handlers: {
        Deposited: (state, message) => {
          expectTypeOf(message.data).toEqualTypeOf<{ amount: number }>();
          return { balance: state.balance + message.data.amount };
        },
        Withdrawn: (state, message) => ({ balance: state.balance - message.data.amount }),
      },
    });
    expectTypeOf((await entities.fetch("1")).state).toEqualTypeOf<{ balance: number }>();
    // @ts-expect-error a misspelt event type (entities has overloads, so the call is the error)
    store.entities({
      category: accounts,
      init: { balance: 0 },
      handlers: {
        Depositted: (state: { balance: number }) => state,
      },
    });
  });

  it("decide may return only the contract's events, with their data; handle returns them recorded", async () => {
    await using store = await connect("memory:");
    const entities = store.entities(accountOptions);
    const deposit: Deposit = { type: "Deposit", data: { amount: 5 } };
    const result = await entities.handle("1", deposit, {
      decide: (command, state) => {
        expectTypeOf(command).toEqualTypeOf<Deposit>();
        expectTypeOf(state).toEqualTypeOf<{ balance: number }>();
        return { type: "Deposited", data: { amount: command.data?.amount ?? 0 } };
      },
    });
    expectTypeOf(result.events).toEqualTypeOf<readonly AccountEvent[]>();
    expect(result.state).toEqual({ balance: 5 });
    const refused = entities.handle("1", deposit, {
      // @ts-expect-error a misspelt event type
      decide: () => ({ type: "Depositted", data: { amount: 1 } }),
    });
    await expect(refused).rejects.toThrow(/not declared/);
    await entities
      .handle("1", deposit, {
        // @ts-expect-error data of the wrong shape
        decide: () => [{ type: "Withdrawn", data: { amount: "1" } }],
      })
      .catch(() => {});
  });

  it("store.handle takes its types from the entity store", async () => {
    await using store = await connect("memory:");
    const entity = store.entities(accountOptions);
    const deposit: Deposit = { type: "Deposit", data: { amount: 2 } };
    const result = await store.handle(accounts.stream("2"), deposit, {
      entity,
      decide: (command, state) => {
        expectTypeOf(state).toEqualTypeOf<{ balance: number }>();
        return [{ type: "Deposited", data: { amount: command.data?.amount ?? 0 } }];
      },
    });
    expectTypeOf(result.events).toEqualTypeOf<readonly AccountEvent[]>();
    await store
      .handle(accounts.stream("2"), deposit, {
        entity,
        // @ts-expect-error a misspelt event type
        decide: () => ({ type: "Depositted", data: { amount: 1 } }),
      })
      .catch(() => {});
  });

  it("a subscription handler hands its typed command to handle, narrowed by the command contract", async () => {
    await using store = await connect("memory:");
    const entity = store.entities(accountOptions);
    const commands = defineCategory("account:command", {
      Deposit: z.object({ amount: z.number() }),
    });
    const subscription = store.subscribe(commands, {
      consumer: "accounts",
      handlers: {
        Deposit: async (command) => {
          await entity.handle(command.streamId, command, {
            decide: (received) => {
              expectTypeOf(received.data).toEqualTypeOf<{ amount: number }>();
              return { type: "Deposited", data: { amount: received.data.amount } };
            },
          });
        },
      },
    });
    await subscription.stop();
  });

  it("untyped use is unchanged: any handler name, any event from decide", async () => {
    await using store = await connect("memory:");
    const entities = store.entities({
      category: "thing",
      init: 0,
      handlers: {
        Anything: (count: number, message: RecordedMessage) => count + (message ? 1 : 0),
      },
    });
    const result = await entities.handle(
      "1",
      { type: "Do" },
      { decide: () => ({ type: "Anything", data: { any: "shape" } }) },
    );
    expectTypeOf(result.state).toBeNumber();
    expectTypeOf(result.events).toEqualTypeOf<readonly RecordedMessage[]>();
    expect(result.state).toBe(1);
  });
});
