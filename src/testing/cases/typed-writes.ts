/** Typed messages, writing: a contract's schemas check every write before anything is stored. */
import { expect } from "vitest";
import { isInvalidMessageError } from "../../errors.ts";
import { declared, defineCategory } from "../../messages/contract.ts";
import { uniqueId } from "../helpers.ts";
import type { SchemaKit } from "../schema-kit.ts";
import type { SuiteContext } from "../suite.ts";

function accountsWith(kit: SchemaKit) {
  return defineCategory(`typed${uniqueId()}`, {
    Opened: kit.object({ owner: "string" }),
    Deposited: kit.object({ amount: "number" }),
  });
}

/** Data that does not match its declared type, as a caller without the compiler would send. */
function untypedData(json: string): { amount: number } {
  return JSON.parse(json);
}

export function typedWriteCases({ store: newStore, test, schemaKits }: SuiteContext): void {
  for (const kit of schemaKits) {
    test(`[${kit.name}] a write failing its schema throws InvalidMessageError with the issues, and stores nothing`, async () => {
      const store = await newStore();
      const account = accountsWith(kit).stream("1");
      const error = await store
        .write(account, { type: "Deposited", data: untypedData('{"amount":"5"}') })
        .catch((caught: unknown) => caught);
      expect(isInvalidMessageError(error)).toBe(true);
      if (!isInvalidMessageError(error)) return;
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toEqual(["amount"]);
      expect(error.issues[0]?.message).toEqual(expect.any(String));
      expect(error.message).toContain("Deposited");
      expect(error.message).toContain("amount");
      expect(await store.version(account)).toBe(-1);
    });

    test(`[${kit.name}] one invalid message in an array write refuses the whole write`, async () => {
      const store = await newStore();
      const account = accountsWith(kit).stream("2");
      const error = await store
        .write(account, [
          { type: "Opened", data: { owner: "Ada" } },
          { type: "Deposited", data: untypedData('{"amount":null}') },
        ])
        .catch((caught: unknown) => caught);
      expect(isInvalidMessageError(error)).toBe(true);
      expect(String(error)).toContain("message [1] Deposited");
      expect(await store.get(account)).toEqual([]);
    });

    test(`[${kit.name}] a valid write is stored with its data as given`, async () => {
      const store = await newStore();
      const account = accountsWith(kit).stream("3");
      await store.write(account, [
        { type: "Opened", data: { owner: "Ada" } },
        { type: "Deposited", data: { amount: 5 } },
      ]);
      const messages = await store.get(account);
      expect(messages.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual([
        { type: "Opened", data: { owner: "Ada" }, metadata: {} },
        { type: "Deposited", data: { amount: 5 }, metadata: {} },
      ]);
    });
  }

  test("a type the contract does not declare is refused before anything is stored", async () => {
    const store = await newStore();
    const account = accountsWith(schemaKits[0] ?? fail()).stream("4");
    const undeclared: { type: "Opened"; data: { owner: string } } = JSON.parse(
      '{"type":"Renamed","data":{"owner":"Bo"}}',
    );
    const error = await store.write(account, undeclared).catch((caught: unknown) => caught);
    expect(isInvalidMessageError(error)).toBe(true);
    expect(String(error)).toContain('type "Renamed" is not declared');
    expect(await store.version(account)).toBe(-1);
  });

  test("reads through a contract yield messages of undeclared types as stored", async () => {
    const store = await newStore();
    const accounts = accountsWith(schemaKits[0] ?? fail());
    await store.write(`${accounts.category}-5`, { type: "Audited", data: { by: "ops" } });
    const [message] = await store.get(accounts.stream("5"));
    expect(message).toMatchObject({ type: "Audited", data: { by: "ops" }, metadata: {} });
  });

  test("declared<T>() types are checked by the compiler only: any data is stored", async () => {
    const store = await newStore();
    const notes = defineCategory(`notes${uniqueId()}`, { Noted: declared<{ text: string }>() });
    const data: { text: string } = JSON.parse('{"text":42}');
    await store.write(notes.stream("1"), { type: "Noted", data });
    expect((await store.last(notes.stream("1")))?.data).toEqual({ text: 42 });
  });

  test("a type with upcasters is written with the newest schemaVersion; the caller's message is unchanged", async () => {
    const store = await newStore();
    const kit = schemaKits[0] ?? fail();
    const ledger = defineCategory(`ledger${uniqueId()}`, {
      Deposited: {
        schema: kit.object({ cents: "number" }),
        upcasters: [(v1: { amount: number }) => ({ cents: v1.amount * 100 })],
      },
      Noted: kit.object({ text: "string" }),
    });
    const metadata = { by: "teller" };
    await store.write(ledger.stream("1"), [
      { type: "Deposited", data: { cents: 250 }, metadata },
      { type: "Noted", data: { text: "hi" } },
    ]);
    expect(metadata).toEqual({ by: "teller" });
    const [deposited, noted] = await store.get(`${ledger.category}-1`);
    expect(deposited?.metadata).toEqual({ by: "teller", schemaVersion: 2 });
    // A type with one version needs no stamp: a message without one is version 1.
    expect(noted?.metadata).toEqual({});
  });
}

function fail(): never {
  throw new Error("the suite always has at least one schema kit");
}
