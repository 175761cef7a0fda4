/** `handle`: decide, write with the loaded version, retry on conflict, idempotent commands. */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { Decision, EntityOptions } from "../../entities/types.ts";
import {
  isExpectedVersionError,
  isInvalidMessageError,
  isInvalidOptionsError,
} from "../../errors.ts";
import type { Message, RecordedMessage } from "../../message.ts";
import { defineCategory } from "../../messages/contract.ts";
import { eventually, thrownBy, uniqueId } from "../helpers.ts";
import type { SchemaKit } from "../schema-kit.ts";
import type { SuiteContext } from "../suite.ts";

interface Account {
  readonly balance: number;
}

type AccountEvent =
  | RecordedMessage<"Deposited", { amount: number }>
  | RecordedMessage<"Withdrawn", { amount: number }>;

type AccountCommand = Message<"Deposit" | "Withdraw", { amount: number }>;

const accountOptions: EntityOptions<Account, AccountEvent> = {
  category: "account",
  init: { balance: 0 },
  handlers: {
    Deposited: (state, message) => ({ balance: state.balance + message.data.amount }),
    Withdrawn: (state, message) => ({ balance: state.balance - message.data.amount }),
  },
};

/** Deposits always; a withdrawal beyond the balance is refused with an error. */
function decideAccount(command: AccountCommand, state: Account): Decision {
  const amount = command.data?.amount ?? 0;
  if (command.type === "Deposit") return { type: "Deposited", data: { amount } };
  if (amount > state.balance) throw new Error(`insufficient funds: ${state.balance}`);
  return { type: "Withdrawn", data: { amount } };
}

function depositCommand(amount: number): AccountCommand {
  return { id: randomUUID(), type: "Deposit", data: { amount } };
}

/** A contracted account: `Deposited` was `{ amount }` in units (version 1), now `{ cents }`. */
function walletsWith(kit: SchemaKit) {
  return defineCategory(`wallet${uniqueId()}`, {
    Deposited: {
      schema: kit.object({ cents: "number" }),
      upcasters: [(v1: { amount: number }) => ({ cents: v1.amount * 100 })],
    },
    Frozen: kit.object({ reason: "string" }),
  });
}

export function commandCases({ store: newStore, sibling, test, schemaKits }: SuiteContext): void {
  test("handle decides, writes the events after the command and returns the new state", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const command = {
      ...depositCommand(30),
      metadata: {
        correlationStreamName: "transfer-7",
        replyStreamName: "transferReply-7",
        originSubject: "transfers.requested",
        traceId: "trace-7",
        userId: "not carried",
      },
    };
    const result = await accounts.handle(id, command, { decide: decideAccount });
    expect(result).toMatchObject({ state: { balance: 30 }, version: 0, duplicate: false });
    expect(result.events.map(({ type, data, position }) => ({ type, data, position }))).toEqual([
      { type: "Deposited", data: { amount: 30 }, position: 0 },
    ]);
    const [stored] = await store.get(`account-${id}`);
    expect(stored?.id).toBe(result.events[0]?.id);
    // The chain is carried as `follow()` carries it; the command's other metadata is not.
    expect(stored?.metadata).toEqual({
      causationMessageId: command.id,
      correlationStreamName: "transfer-7",
      replyStreamName: "transferReply-7",
      originSubject: "transfers.requested",
      traceId: "trace-7",
    });
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 30 }, version: 0 });
  });

  test("store.handle takes a stream of the entity store's category", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const result = await store.handle(`account-${id}`, depositCommand(5), {
      entity: accounts,
      decide: decideAccount,
    });
    expect(result.state).toEqual({ balance: 5 });
    const error = await thrownBy(() =>
      store.handle(`other-${id}`, depositCommand(5), { entity: accounts, decide: decideAccount }),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
  });

  test("a recorded command gives its events Eventide's causation metadata", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    await store.write(`account:command-${id}`, [depositCommand(1), depositCommand(2)]);
    const [, command] = await store.get(`account:command-${id}`);
    if (command === undefined) throw new Error("the command was not written");
    const result = await accounts.handle(id, command, {
      decide: (_recorded, state) => decideAccount({ type: "Deposit", data: { amount: 2 } }, state),
    });
    expect(result.events[0]?.metadata).toEqual({
      causationMessageId: command.id,
      causationMessageStreamName: `account:command-${id}`,
      causationMessagePosition: 1,
      causationMessageGlobalPosition: command.globalPosition,
    });
  });

  test("a decision of no events writes nothing and returns the entity as it is", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    await accounts.handle(id, depositCommand(3), { decide: decideAccount });
    const result = await accounts.handle(id, depositCommand(0), { decide: () => [] });
    expect(result).toEqual({ state: { balance: 3 }, version: 0, events: [], duplicate: false });
    expect(await store.version(`account-${id}`)).toBe(0);
  });

  test("a decide that throws writes nothing and its error reaches the caller", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const refused = await thrownBy(() =>
      accounts.handle(id, { type: "Withdraw", data: { amount: 1 } }, { decide: decideAccount }),
    );
    expect((refused as Error).message).toBe("insufficient funds: 0");
    expect(await store.version(`account-${id}`)).toBe(-1);
  });

  test("a decision on a cached entity another store moved is made again on the current state", async () => {
    const store = await newStore();
    const other = await sibling(store);
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    await accounts.handle(id, depositCommand(10), { decide: decideAccount });
    await other.write(`account-${id}`, { type: "Deposited", data: { amount: 5 } });
    // The cache says 10; the store says 15. Refused on 10, allowed on 15.
    const seen: number[] = [];
    const result = await accounts.handle(
      id,
      { type: "Withdraw", data: { amount: 12 } },
      {
        decide: (command: AccountCommand, state) => {
          seen.push(state.balance);
          return decideAccount(command, state);
        },
      },
    );
    expect(seen).toEqual([10, 15]);
    expect(result).toMatchObject({ state: { balance: 3 }, version: 2 });

    await other.write(`account-${id}`, { type: "Deposited", data: { amount: 1 } });
    const deposited = await accounts.handle(id, depositCommand(1), {
      decide: (command, state) => {
        seen.push(state.balance);
        return decideAccount(command, state);
      },
    });
    // Decided on the stale 3, refused by the store, decided again on 4, with no backoff used.
    expect(seen.slice(2)).toEqual([3, 4]);
    expect(deposited).toMatchObject({ state: { balance: 5 }, version: 4 });
  });

  test("a conflict after a checked load is retried: load again, decide again", async () => {
    const store = await newStore();
    const accounts = store.entities({ ...accountOptions, cache: false });
    const id = uniqueId();
    let decisions = 0;
    const result = await accounts.handle(id, depositCommand(1), {
      retryDelayMs: 1,
      decide: (command, state) => {
        decisions += 1;
        // Another write to the entity gets in between the load and the handler's own write.
        if (decisions === 1)
          void store.write(`account-${id}`, { type: "Deposited", data: { amount: 100 } });
        return decideAccount(command, state);
      },
    });
    expect(decisions).toBe(2);
    expect(result).toMatchObject({ state: { balance: 101 }, version: 1 });
  });

  test("when the retries run out, the ExpectedVersionError reaches the caller", async () => {
    const store = await newStore();
    const accounts = store.entities({ ...accountOptions, cache: false });
    const id = uniqueId();
    let decisions = 0;
    const error = await thrownBy(() =>
      accounts.handle(id, depositCommand(1), {
        retries: 1,
        retryDelayMs: 1,
        decide: (command, state) => {
          decisions += 1;
          void store.write(`account-${id}`, { type: "Deposited", data: { amount: 100 } });
          return decideAccount(command, state);
        },
      }),
    );
    expect(isExpectedVersionError(error)).toBe(true);
    expect(decisions).toBe(2);
    const events = await store.get(`account-${id}`);
    expect(
      events.every(
        (event) => event.data !== null && (event.data as { amount: number }).amount === 100,
      ),
    ).toBe(true);
  });

  test("8 concurrent handlers on one entity from two stores: each command once, no lost update", async () => {
    const store = await newStore();
    const other = await sibling(store);
    const mine = store.entities(accountOptions);
    const theirs = other.entities(accountOptions);
    const id = uniqueId();
    const commands = Array.from({ length: 8 }, (_, index) => depositCommand(index + 1));
    const results = await Promise.all(
      commands.map((command, index) =>
        (index % 2 === 0 ? mine : theirs).handle(id, command, { decide: decideAccount }),
      ),
    );
    expect(results.every((result) => !result.duplicate)).toBe(true);
    const events = await store.get(`account-${id}`);
    expect(events.map((event) => event.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((event) => event.metadata.causationMessageId).sort()).toEqual(
      commands.map((command) => command.id).sort(),
    );
    const total = (8 * 9) / 2;
    expect(await mine.fetch(id)).toEqual({ state: { balance: total }, version: 7 });
    expect(await theirs.fetch(id)).toEqual({ state: { balance: total }, version: 7 });
  });

  test("a command handled again is not decided again and returns the earlier events", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const command = depositCommand(7);
    const first = await accounts.handle(id, command, { decide: decideAccount });
    await accounts.handle(id, depositCommand(1), { decide: decideAccount });
    let decided = 0;
    const again = await accounts.handle(id, command, {
      decide: (c, state) => {
        decided += 1;
        return decideAccount(c, state);
      },
    });
    expect(decided).toBe(0);
    expect(again.duplicate).toBe(true);
    expect(again.events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));
    expect(again).toMatchObject({ state: { balance: 8 }, version: 1 });
    expect(await store.version(`account-${id}`)).toBe(1);
  });

  test("a command handled by another store instance is recognised from the stream", async () => {
    const store = await newStore();
    const other = await sibling(store);
    const command = depositCommand(7);
    const id = uniqueId();
    await store.entities(accountOptions).handle(id, command, { decide: decideAccount });
    const again = await other
      .entities(accountOptions)
      .handle(id, command, { decide: decideAccount });
    expect(again.duplicate).toBe(true);
    expect(await store.version(`account-${id}`)).toBe(0);
  });

  test("one command delivered twice at once, in one store and across two, is decided once", async () => {
    const store = await newStore();
    const other = await sibling(store);
    const mine = store.entities(accountOptions);
    const theirs = other.entities(accountOptions);
    const id = uniqueId();
    const command = depositCommand(9);
    let decisions = 0;
    const decide = (c: AccountCommand, state: Account): Decision => {
      decisions += 1;
      return decideAccount(c, state);
    };
    const results = await Promise.all([
      mine.handle(id, command, { decide }),
      mine.handle(id, command, { decide }),
      theirs.handle(id, command, { decide }),
    ]);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(await store.get(`account-${id}`)).toHaveLength(1);
    expect(await theirs.fetch(id)).toEqual({ state: { balance: 9 }, version: 0 });
    // The loser across stores may have decided before it saw the winner's event; never after.
    expect(decisions).toBeLessThanOrEqual(2);
  });

  test("commands older than the command window are decided again", async () => {
    const store = await newStore();
    const accounts = store.entities({ ...accountOptions, commandWindow: 2 });
    const id = uniqueId();
    const oldest = depositCommand(1);
    for (const command of [oldest, depositCommand(1), depositCommand(1)]) {
      await accounts.handle(id, command, { decide: decideAccount });
    }
    const again = await accounts.handle(id, oldest, { decide: decideAccount });
    expect(again.duplicate).toBe(false);
    expect(again.version).toBe(3);
  });

  test("a subscription handler calling handle writes each command's events once under redelivery", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const commandStream = `account:command-${id}`;
    await store.write(commandStream, [
      { ...depositCommand(5), metadata: { correlationStreamName: `transfer-${id}` } },
      depositCommand(6),
    ]);
    const outcomes = new Map<string, boolean[]>();
    const subscription = store.subscribe("account:command", {
      consumer: `accounts-${uniqueId()}`,
      retryDelay: 0,
      handlers: {
        Deposit: async (command, context) => {
          const result = await accounts.handle(command.streamId, command, {
            decide: (recorded, state) =>
              decideAccount(
                {
                  type: "Deposit",
                  data: { amount: Number((recorded.data as { amount: number }).amount) },
                },
                state,
              ),
          });
          outcomes.set(command.id, [...(outcomes.get(command.id) ?? []), result.duplicate]);
          // Crash after the write, before the ack: the message comes again.
          if (context.attempt === 1) throw new Error("lost before the ack");
        },
      },
    });
    await subscription.start();
    await eventually(
      "both commands redelivered",
      () => [...outcomes.values()].every((seen) => seen.length >= 2) && outcomes.size === 2,
    );
    await subscription.stop();
    // The redelivery was recognised, not decided again.
    for (const seen of outcomes.values()) expect(seen.slice(0, 2)).toEqual([false, true]);
    const events = await store.get(`account-${id}`);
    expect(events).toHaveLength(2);
    expect(await accounts.fetch(id)).toEqual({ state: { balance: 11 }, version: 1 });
    // Each event follows its command, as it was delivered.
    const commands = await store.get(commandStream);
    expect(events.map((event) => event.metadata)).toEqual(
      commands.map((command, index) => ({
        causationMessageId: command.id,
        causationMessageStreamName: commandStream,
        causationMessagePosition: index,
        causationMessageGlobalPosition: command.globalPosition,
        ...(index === 0 ? { correlationStreamName: `transfer-${id}` } : {}),
      })),
    );
  });

  const kit = schemaKits[0];
  if (kit !== undefined) {
    test("a contracted entity folds upcast events and writes only what its contract declares", async () => {
      const store = await newStore();
      const wallets = walletsWith(kit);
      const entity = store.entities({
        category: wallets,
        init: { cents: 0, frozen: false },
        handlers: {
          Deposited: (state, event) => ({ ...state, cents: state.cents + event.data.cents }),
          Frozen: (state) => ({ ...state, frozen: true }),
        },
      });
      const id = uniqueId();
      const byName = `${wallets.category}-${id}`;
      // Version 1, by name, as an older service wrote it: folded as version 2.
      await store.write(byName, { type: "Deposited", data: { amount: 2 } });
      expect(await entity.fetch(id)).toEqual({ state: { cents: 200, frozen: false }, version: 0 });
      // And again through the cache, when the same store writes one by name.
      await store.write(byName, { type: "Deposited", data: { amount: 1 } });
      expect(await entity.fetch(id)).toEqual({ state: { cents: 300, frozen: false }, version: 1 });

      const deposit = { id: randomUUID(), type: "Deposit", data: { cents: 50 } } as const;
      const result = await store.handle(wallets.stream(id), deposit, {
        entity,
        decide: (command) => ({ type: "Deposited", data: { cents: command.data.cents } }),
      });
      expect(result.state).toEqual({ cents: 350, frozen: false });
      // The events returned are as stored, schema version included.
      const stored = await store.last(byName);
      expect(stored?.metadata.schemaVersion).toBe(2);
      expect(result.events.map((event) => event.metadata)).toEqual([stored?.metadata]);

      const undeclared = await thrownBy(() =>
        entity.handle(
          id,
          { type: "Close" },
          {
            // @ts-expect-error: the contract declares no Closed
            decide: () => ({ type: "Closed", data: {} }),
          },
        ),
      );
      expect(isInvalidMessageError(undeclared)).toBe(true);
      const badData = await thrownBy(() =>
        entity.handle(
          id,
          { type: "Freeze" },
          {
            // @ts-expect-error: Frozen's reason is a string
            decide: () => ({ type: "Frozen", data: { reason: 1 } }),
          },
        ),
      );
      expect(isInvalidMessageError(badData)).toBe(true);
      expect(await store.version(byName)).toBe(2);
      expect(await entity.fetch(id)).toEqual({ state: { cents: 350, frozen: false }, version: 2 });
    });
  }

  test("bad handle input is refused before anything is written", async () => {
    const store = await newStore();
    const accounts = store.entities(accountOptions);
    const id = uniqueId();
    const notACommand = await thrownBy(() =>
      // @ts-expect-error: a command needs a type
      accounts.handle(id, { type: "" }, { decide: decideAccount }),
    );
    expect(isInvalidMessageError(notACommand)).toBe(true);
    for (const options of [
      { decide: "nope" },
      { decide: decideAccount, retries: -1 },
      { decide: decideAccount, retryBackoff: 0.5 },
      { decide: decideAccount, unknown: 1 },
    ]) {
      const error = await thrownBy(() =>
        // @ts-expect-error: each of these options is wrong on purpose
        accounts.handle(id, depositCommand(1), options),
      );
      expect(isInvalidOptionsError(error)).toBe(true);
    }
    const badEvent = await thrownBy(() =>
      accounts.handle(id, depositCommand(1), { decide: () => ({ type: "" }) }),
    );
    expect(isInvalidMessageError(badEvent)).toBe(true);
    expect(await store.version(`account-${id}`)).toBe(-1);
  });

  test("bad entity options are refused", async () => {
    const store = await newStore();
    for (const options of [
      { ...accountOptions, unknown: true },
      { ...accountOptions, cache: { maxEntries: -1 } },
      { ...accountOptions, snapshot: { every: 0, version: 1 } },
      { ...accountOptions, snapshot: { every: 10, version: {} } },
      { ...accountOptions, handlers: { Deposited: 1 } },
    ]) {
      // @ts-expect-error: each of these options is wrong on purpose
      const error = await thrownBy(() => store.entities(options));
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
}
