/** `fetch`: folding a stream into state. */
import { expect } from "vitest";
import type { RecordedMessage } from "../../message.ts";
import { uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

interface Balance {
  balance: number;
  seen: string[];
}

const balanceHandlers = {
  Deposited: (state: Balance, message: RecordedMessage): Balance => {
    state.balance += (message.data as { amount: number }).amount;
    state.seen.push(message.id);
    return state;
  },
  Withdrawn: (state: Balance, message: RecordedMessage): Balance => ({
    balance: state.balance - (message.data as { amount: number }).amount,
    seen: [...state.seen, message.id],
  }),
};

export function fetchCases({ store: newStore, test }: SuiteContext): void {
  test("fetch of a stream never written gives { state: init, version: -1 }", async () => {
    const store = await newStore();
    const init = { balance: 0, seen: [] };
    expect(await store.fetch(`account-${uniqueId()}`, { init, handlers: balanceHandlers })).toEqual(
      { state: init, version: -1 },
    );
    let calls = 0;
    const result = await store.fetch(`account-${uniqueId()}`, {
      init: () => {
        calls += 1;
        return { balance: 7, seen: [] };
      },
      handlers: balanceHandlers,
    });
    expect(result).toEqual({ state: { balance: 7, seen: [] }, version: -1 });
    expect(calls).toBe(1);
  });

  test("fetch folds the stream in order with the handlers", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, [
      { type: "Deposited", data: { amount: 10 } },
      { type: "Withdrawn", data: { amount: 3 } },
      { type: "Deposited", data: { amount: 5 } },
    ]);
    const messages = await store.get(stream);
    const { state, version } = await store.fetch(stream, {
      init: (): Balance => ({ balance: 0, seen: [] }),
      handlers: balanceHandlers,
    });
    expect(state).toEqual({ balance: 12, seen: messages.map((m) => m.id) });
    expect(version).toBe(2);
  });

  test("fetch skips types without a handler but still counts them in version", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, [
      { type: "Deposited", data: { amount: 10 } },
      { type: "Audited", data: { by: "x" } },
      { type: "Deposited", data: { amount: 1 } },
      { type: "Audited", data: { by: "y" } },
    ]);
    const { state, version } = await store.fetch(stream, {
      init: (): Balance => ({ balance: 0, seen: [] }),
      handlers: balanceHandlers,
    });
    expect(state.balance).toBe(11);
    expect(state.seen).toHaveLength(2);
    expect(version).toBe(3);
  });

  test("an init function is called once per fetch, so state never leaks between fetches", async () => {
    const store = await newStore();
    const stream = `account-${uniqueId()}`;
    await store.write(stream, { type: "Deposited", data: { amount: 4 } });
    let calls = 0;
    const options = {
      init: (): Balance => {
        calls += 1;
        return { balance: 0, seen: [] };
      },
      handlers: balanceHandlers,
    };
    const first = await store.fetch(stream, options);
    const second = await store.fetch(stream, options);
    expect(calls).toBe(2);
    expect(first.state.balance).toBe(4);
    expect(second.state.balance).toBe(4);
    expect(second.state).not.toBe(first.state);
  });

  test("fetch accepts a {category, id} ref", async () => {
    const store = await newStore();
    const ref = { category: "import-podcast:command", id: uniqueId() };
    await store.write(ref, { type: "Deposited", data: { amount: 2 } });
    const { state, version } = await store.fetch(ref, {
      init: (): Balance => ({ balance: 0, seen: [] }),
      handlers: balanceHandlers,
    });
    expect(state.balance).toBe(2);
    expect(version).toBe(0);
  });
}
