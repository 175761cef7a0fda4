/** The message layer's own rules: contracts refused when malformed, options checked, async schemas, edge versions. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  connect,
  declared,
  defineCategory,
  follow,
  isInvalidMessageError,
  isInvalidOptionsError,
  isInvalidStreamNameError,
  type RecordedMessage,
  type StandardSchemaV1,
} from "../../src/index.ts";
import { contractOf } from "../../src/messages/contract.ts";
import { upcast } from "../../src/messages/upcast.ts";

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** A schema that answers with a promise, as Standard Schema allows. */
const asyncPositive: StandardSchemaV1<{ n: number }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: async (value) => {
      const n: unknown =
        value !== null && typeof value === "object" ? Reflect.get(value, "n") : undefined;
      return typeof n === "number" && n > 0
        ? { value: { n } }
        : { issues: [{ message: "n must be positive", path: [{ key: "n" }] }] };
    },
  },
};

function recorded(overrides: Partial<RecordedMessage>): RecordedMessage {
  return {
    id: "00000000-0000-4000-8000-000000000000",
    type: "Deposited",
    data: {},
    metadata: {},
    streamName: "account-1",
    category: "account",
    streamId: "1",
    position: 0,
    globalPosition: 1,
    time: new Date(0),
    ...overrides,
  };
}

describe("defineCategory", () => {
  it("refuses a spec that is not a Standard Schema, declared<T>() or { schema, upcasters }", () => {
    const bad = JSON.parse('{"Deposited":{"amount":"number"}}');
    const error = thrown(() => defineCategory("account", bad));
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String(error)).toContain('"Deposited"');
  });

  it("refuses upcasters that are not an array of functions", () => {
    const error = thrown(() =>
      defineCategory("account", {
        Deposited: { schema: z.object({}), upcasters: JSON.parse('["not a function"]') },
      }),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
  });

  it("refuses a stream name, a bad category, messages that are not an object and an empty type", () => {
    expect(isInvalidOptionsError(thrown(() => defineCategory("account-1", {})))).toBe(true);
    expect(isInvalidStreamNameError(thrown(() => defineCategory("acc ount", {})))).toBe(true);
    expect(isInvalidOptionsError(thrown(() => defineCategory("account", JSON.parse("null"))))).toBe(
      true,
    );
    expect(isInvalidOptionsError(thrown(() => defineCategory("account", { "": declared() })))).toBe(
      true,
    );
  });

  it("makes streams with compound ids, categories containing '-' and checked ids", () => {
    const imports = defineCategory(
      { category: "import-podcast:command" },
      { Run: declared<{ url: string }>() },
    );
    expect(imports.stream("65a1")).toMatchObject({
      category: "import-podcast:command",
      id: "65a1",
      name: "import-podcast:command-65a1",
    });
    expect(imports.stream(["1", "2"]).id).toBe("1+2");
    expect(isInvalidStreamNameError(thrown(() => imports.stream("a.b")))).toBe(true);
    expect(contractOf(imports.stream("1"))).toBe(imports.contract);
    expect(contractOf("import-podcast:command-1")).toBeUndefined();
    expect(contractOf({ category: "x", contract: { category: "x" } })).toBeUndefined();
  });
});

describe("upcast", () => {
  const ledger = defineCategory("ledger", {
    Deposited: {
      schema: declared<{ cents: number; currency: string }>(),
      upcasters: [
        (v1: { amount: number }) => ({ cents: v1.amount * 100 }),
        (v2: { cents: number }, metadata) => ({
          ...v2,
          currency: String(metadata.currency ?? "EUR"),
        }),
      ],
    },
    Noted: declared<{ text: string }>(),
  });

  it("starts at the message's version and hands the metadata to each upcaster", () => {
    const v2 = recorded({ data: { cents: 5 }, metadata: { schemaVersion: 2, currency: "USD" } });
    expect(upcast(ledger.contract, v2)).toMatchObject({
      data: { cents: 5, currency: "USD" },
      metadata: { schemaVersion: 3, currency: "USD" },
    });
  });

  it("leaves the newest, a newer, and an undeclared or single-version type unchanged", () => {
    for (const message of [
      recorded({ data: { cents: 1, currency: "EUR" }, metadata: { schemaVersion: 3 } }),
      recorded({ data: { future: true }, metadata: { schemaVersion: 9 } }),
      recorded({ type: "Other", data: { amount: 1 } }),
      recorded({ type: "Noted", data: { text: "x" } }),
    ]) {
      expect(upcast(ledger.contract, message)).toBe(message);
    }
  });

  it("treats a schemaVersion that is not a positive integer as version 1", () => {
    const odd = recorded({ data: { amount: 1 }, metadata: { schemaVersion: "2" } });
    expect(upcast(ledger.contract, odd).data).toEqual({ cents: 100, currency: "EUR" });
  });
});

describe("follow", () => {
  it("records the causation and carries only the keys the previous message has", () => {
    const previous = recorded({
      metadata: { traceId: "t", userId: "u" },
      position: 4,
      globalPosition: 9,
    });
    expect(follow(previous, { type: "Next" })).toEqual({
      type: "Next",
      data: undefined,
      metadata: {
        causationMessageStreamName: "account-1",
        causationMessagePosition: 4,
        causationMessageGlobalPosition: 9,
        traceId: "t",
      },
    });
  });
});

describe("the store with contracts", () => {
  it("checks writes against a schema that answers with a promise", async () => {
    await using store = await connect("memory:");
    const counters = defineCategory("counter", { Counted: asyncPositive });
    const error = await store
      .write(counters.stream("1"), { type: "Counted", data: { n: -1 } })
      .catch((caught: unknown) => caught);
    expect(isInvalidMessageError(error)).toBe(true);
    expect(isInvalidMessageError(error) && error.issues).toEqual([
      { path: ["n"], message: "n must be positive" },
    ]);
    await store.write(counters.stream("1"), { type: "Counted", data: { n: 2 } });
    expect(await store.version(counters.stream("1"))).toBe(0);
  });

  it("validates deliveries with a schema that answers with a promise", async () => {
    await using store = await connect("memory:");
    const counters = defineCategory("counter", { Counted: asyncPositive });
    await store.write("counter-1", [
      { type: "Counted", data: { n: 0 } },
      { type: "Counted", data: { n: 3 } },
    ]);
    for await (const item of store.consume(counters, {
      consumer: "c",
      validate: true,
      deadLetter: "dlq",
    })) {
      expect(item.message.data).toEqual({ n: 3 });
      await item.ack();
      break;
    }
    expect((await store.deadLetters("dlq")).map((letter) => letter.reason)).toEqual(["invalid"]);
  });

  it("leaves a message that is not shaped like one to the store's own checks", async () => {
    await using store = await connect("memory:");
    const counters = defineCategory("counter", { Counted: asyncPositive });
    const notAMessage: { type: "Counted"; data: { n: number } } = JSON.parse('{"data":{}}');
    const error = await store
      .write(counters.stream("1"), notAMessage)
      .catch((caught: unknown) => caught);
    expect(isInvalidMessageError(error)).toBe(true);
    expect(String(error)).toContain("type must be a non-empty string");
  });

  it("refuses validate and correlation options of the wrong kind", async () => {
    await using store = await connect("memory:");
    const counters = defineCategory("counter", { Counted: asyncPositive });
    const notBoolean: boolean = JSON.parse('"yes"');
    const notString: string = JSON.parse("5");
    for (const options of [
      { consumer: "c", validate: notBoolean },
      { consumer: "c", correlation: notString },
      { consumer: "c", correlation: "order-1" },
    ]) {
      expect(
        isInvalidOptionsError(
          thrown(() => store.subscribe(counters, { ...options, handlers: {} })),
        ),
      ).toBe(true);
      expect(isInvalidOptionsError(thrown(() => store.consume(counters, options)))).toBe(true);
    }
  });

  it("refuses options that are not an object", async () => {
    await using store = await connect("memory:");
    const notOptions: { consumer: string; handlers: Record<string, never> } = JSON.parse("null");
    expect(isInvalidOptionsError(thrown(() => store.subscribe("counter", notOptions)))).toBe(true);
    expect(isInvalidOptionsError(thrown(() => store.consume("counter", notOptions)))).toBe(true);
  });

  it("reports a handler that is not a function as before", async () => {
    await using store = await connect("memory:");
    const notAFunction: () => void = JSON.parse("1");
    const error = thrown(() =>
      store.subscribe("counter", { consumer: "c", handlers: { Counted: notAFunction } }),
    );
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String(error)).toContain('the handler for "Counted" is not a function');
  });
});
