/** `store.entities`: loading through the cache, freshness, the cache bound and snapshots. */
import { expect } from "vitest";
import type { EntityOptions } from "../../entities/types.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Logger } from "../../options.ts";
import type { MessageStore } from "../../store.ts";
import { uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

interface Account {
  readonly balance: number;
  readonly operations: number;
}

type AccountEvent =
  | RecordedMessage<"Deposited", { amount: number }>
  | RecordedMessage<"Withdrawn", { amount: number }>;

/** Account entity options whose handlers count how many events they folded. */
function countingAccounts(category: string): {
  options: EntityOptions<Account, AccountEvent>;
  folded: { count: number };
} {
  const folded = { count: 0 };
  return {
    folded,
    options: {
      category,
      init: (): Account => ({ balance: 0, operations: 0 }),
      handlers: {
        Deposited: (state, message) => {
          folded.count += 1;
          return { balance: state.balance + message.data.amount, operations: state.operations + 1 };
        },
        Withdrawn: (state, message) => {
          folded.count += 1;
          return { balance: state.balance - message.data.amount, operations: state.operations + 1 };
        },
      },
    },
  };
}

async function deposit(store: MessageStore, stream: string, ...amounts: number[]): Promise<void> {
  await store.write(
    stream,
    amounts.map((amount) => ({ type: "Deposited", data: { amount } })),
  );
}

/** A logger that keeps what was warned. */
function warningLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => {};
  return {
    warnings,
    logger: {
      debug: noop,
      info: noop,
      error: noop,
      warn: (_object, message) => warnings.push(message ?? ""),
    },
  };
}

export function entityCases({ store: newStore, sibling, putSnapshot, test }: SuiteContext): void {
  test("fetch of an entity without a stream gives init at version -1; get gives undefined", async () => {
    const store = await newStore();
    const { options } = countingAccounts("account");
    const accounts = store.entities(options);
    const id = uniqueId();
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 0, operations: 0 }, version: -1 });
    expect(await accounts.get(id)).toBeUndefined();
  });

  test("fetch folds the entity's events; get gives the same once the stream exists", async () => {
    const store = await newStore();
    const accounts = store.entities(countingAccounts("account").options);
    const id = uniqueId();
    await deposit(store, `account-${id}`, 10, 5);
    await store.write(`account-${id}`, { type: "Audited", data: {} });
    const expected = { state: { balance: 15, operations: 2 }, version: 2 };
    expect(await accounts.fetch(id)).toEqual(expected);
    expect(await accounts.get(id)).toEqual(expected);
  });

  test("a cached entity that has not moved is not folded again", async () => {
    const store = await newStore();
    const { options, folded } = countingAccounts("account");
    const accounts = store.entities(options);
    const id = uniqueId();
    await deposit(store, `account-${id}`, 1, 2, 3);
    await accounts.fetch(id);
    expect(folded.count).toBe(3);
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 6, operations: 3 }, version: 2 });
    expect(folded.count).toBe(3);
  });

  test("a cached fetch sees what another store instance appended, folding only the new events", async () => {
    const store = await newStore();
    const other = await sibling(store);
    const { options, folded } = countingAccounts("account");
    const accounts = store.entities(options);
    const id = uniqueId();
    await deposit(store, `account-${id}`, 10, 10);
    expect((await accounts.fetch(id)).version).toBe(1);
    await deposit(other, `account-${id}`, 1);
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 21, operations: 3 }, version: 2 });
    expect(folded.count).toBe(3);
    await deposit(other, `account-${id}`, 2, 3, 4);
    await other.write(`account-${id}`, { type: "Withdrawn", data: { amount: 5 } });
    const moved = await accounts.fetch(id);
    expect(moved).toEqual({ state: { balance: 25, operations: 7 }, version: 6 });
    expect(folded.count).toBe(7);
    const uncached = await store.fetch(`account-${id}`, {
      init: { balance: 0, operations: 0 },
      handlers: {
        Deposited: (state: Account, message: RecordedMessage): Account => ({
          balance: state.balance + Number((message.data as { amount: number }).amount),
          operations: state.operations + 1,
        }),
        Withdrawn: (state: Account, message: RecordedMessage): Account => ({
          balance: state.balance - Number((message.data as { amount: number }).amount),
          operations: state.operations + 1,
        }),
      },
    });
    expect(uncached).toEqual(moved);
  });

  test("writes through the same store move the cached entity at once", async () => {
    const store = await newStore();
    const { options, folded } = countingAccounts("account");
    const accounts = store.entities(options);
    const id = uniqueId();
    await deposit(store, `account-${id}`, 1);
    await accounts.fetch(id);
    await deposit(store, `account-${id}`, 2, 3);
    // Folded by the write itself, before any fetch asked.
    expect(folded.count).toBe(3);
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 6, operations: 3 }, version: 2 });
    expect(folded.count).toBe(3);
  });

  test("a handler that throws on a write through the store never fails that write", async () => {
    const store = await newStore();
    const { options } = countingAccounts("account");
    const accounts = store.entities<Account, AccountEvent>({
      ...options,
      handlers: {
        ...options.handlers,
        Withdrawn: () => {
          throw new Error("withdrawals are not folded yet");
        },
      },
    });
    const id = uniqueId();
    await deposit(store, `account-${id}`, 1);
    await accounts.fetch(id);
    const written = await store.write(`account-${id}`, { type: "Withdrawn", data: { amount: 1 } });
    expect(written.position).toBe(1);
    await expect(accounts.fetch(id)).rejects.toThrow("withdrawals are not folded yet");
  });

  test("the cache keeps at most maxEntries entities, dropping the least recently used", async () => {
    const store = await newStore();
    const { options, folded } = countingAccounts("account");
    const accounts = store.entities({ ...options, cache: { maxEntries: 2 } });
    const [a, b, c] = [uniqueId(), uniqueId(), uniqueId()];
    for (const id of [a, b, c]) await deposit(store, `account-${id}`, 1);
    await accounts.fetch(a);
    await accounts.fetch(b);
    await accounts.fetch(a); // a is now more recent than b
    await accounts.fetch(c); // evicts b
    expect(folded.count).toBe(3);
    await accounts.fetch(a);
    await accounts.fetch(c);
    expect(folded.count).toBe(3);
    await accounts.fetch(b);
    expect(folded.count).toBe(4);
  });

  test("cache: false folds the stream on every fetch", async () => {
    const store = await newStore();
    const { options, folded } = countingAccounts("account");
    const accounts = store.entities({ ...options, cache: false });
    const id = uniqueId();
    await deposit(store, `account-${id}`, 1, 1);
    await accounts.fetch(id);
    await accounts.fetch(id);
    expect(folded.count).toBe(4);
  });

  test("a cold fetch starts from the snapshot and folds only the events after it", async () => {
    const store = await newStore();
    const id = uniqueId();
    const stream = `account-${id}`;
    await deposit(store, stream, 1, 2, 3, 4, 5);
    const snapshot = { every: 3, version: 1 };
    const writer = store.entities({ ...countingAccounts("account").options, snapshot });
    expect((await writer.fetch(id)).version).toBe(4);
    await writer.flush();

    const cold = countingAccounts("account");
    const reader = store.entities({ ...cold.options, snapshot });
    expect(await reader.fetch(id)).toEqual({ state: { balance: 15, operations: 5 }, version: 4 });
    expect(cold.folded.count).toBe(0);

    await deposit(store, stream, 6);
    const later = countingAccounts("account");
    const laterReader = store.entities({ ...later.options, snapshot });
    expect(await laterReader.fetch(id)).toEqual({
      state: { balance: 21, operations: 6 },
      version: 5,
    });
    expect(later.folded.count).toBe(1);
  });

  test("a snapshot is written once the entity is `every` versions past the last one", async () => {
    const store = await newStore();
    const id = uniqueId();
    const stream = `account-${id}`;
    const snapshot = { every: 4, version: 1 };
    const writer = store.entities({ ...countingAccounts("account").options, snapshot });
    await deposit(store, stream, 1, 1, 1);
    await writer.fetch(id); // version 2: below `every` past -1, no snapshot yet
    await writer.flush();
    const first = countingAccounts("account");
    await store.entities({ ...first.options, snapshot }).fetch(id);
    expect(first.folded.count).toBe(3);

    await deposit(store, stream, 1, 1); // version 4
    await writer.fetch(id);
    await writer.flush();
    const second = countingAccounts("account");
    expect(await store.entities({ ...second.options, snapshot }).fetch(id)).toEqual({
      state: { balance: 5, operations: 5 },
      version: 4,
    });
    expect(second.folded.count).toBe(0);
  });

  test("a snapshot of another version is ignored and the stream folded", async () => {
    const store = await newStore();
    const id = uniqueId();
    await deposit(store, `account-${id}`, 1, 2, 3);
    const writer = store.entities({
      ...countingAccounts("account").options,
      snapshot: { every: 1, version: "v1" },
    });
    await writer.fetch(id);
    await writer.flush();
    const changed = countingAccounts("account");
    const reader = store.entities({ ...changed.options, snapshot: { every: 1, version: "v2" } });
    expect(await reader.fetch(id)).toEqual({ state: { balance: 6, operations: 3 }, version: 2 });
    expect(changed.folded.count).toBe(3);
  });

  test("a corrupt snapshot is ignored with a warning, never an error", async () => {
    const { logger, warnings } = warningLogger();
    const store = await newStore({ logger });
    const id = uniqueId();
    await deposit(store, `account-${id}`, 4, 5);
    const snapshot = { every: 100, version: 1 };
    for (const bytes of [
      new TextEncoder().encode("{ not json"),
      new Uint8Array([0xff, 0xfe, 0x00]),
      new TextEncoder().encode(JSON.stringify({ snapshotVersion: 1, version: "x", state: {} })),
    ]) {
      await putSnapshot(store, { category: "account", id }, bytes);
      const reader = countingAccounts("account");
      const accounts = store.entities({ ...reader.options, snapshot });
      expect(await accounts.fetch(id)).toEqual({
        state: { balance: 9, operations: 2 },
        version: 1,
      });
      expect(reader.folded.count).toBe(2);
    }
    expect(warnings.filter((warning) => warning.includes("snapshot"))).toHaveLength(3);
  });

  test("a snapshot ahead of its stream is ignored with a warning", async () => {
    const { logger, warnings } = warningLogger();
    const store = await newStore({ logger });
    const id = uniqueId();
    await deposit(store, `account-${id}`, 4);
    const bytes = JSON.stringify({
      snapshotVersion: 1,
      version: 9,
      lastId: null,
      commands: [],
      state: { balance: 1000, operations: 10 },
    });
    await putSnapshot(store, { category: "account", id }, new TextEncoder().encode(bytes));
    const accounts = store.entities({
      ...countingAccounts("account").options,
      snapshot: { every: 100, version: 1 },
    });
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 4, operations: 1 }, version: 0 });
    expect(warnings.some((warning) => warning.includes("snapshot ignored"))).toBe(true);
  });

  test("an entity store takes a category that contains '-'", async () => {
    const store = await newStore();
    const category = "import-account:command";
    const accounts = store.entities(countingAccounts(category).options);
    const id = uniqueId();
    await store.write({ category, id }, { type: "Deposited", data: { amount: 3 } });
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 3, operations: 1 }, version: 0 });
  });
}
