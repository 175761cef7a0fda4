// The entity layer's small parts: the LRU bound, the command window, the snapshot codec,
// and what a store refuses before it reads anything.
import { describe, expect, expectTypeOf, it } from "vitest";
import { snapshotBucketName, snapshotKeyOf } from "../../src/backends/nats/snapshots.ts";
import { CommandWindow } from "../../src/entities/command-window.ts";
import { CachedEntityStore } from "../../src/entities/entity-store.ts";
import { newEntity } from "../../src/entities/loaded.ts";
import { LruCache } from "../../src/entities/lru-cache.ts";
import { decodeSnapshot, encodeSnapshot } from "../../src/entities/snapshot-codec.ts";
import type { EntityOptions } from "../../src/entities/types.ts";
import {
  connect,
  isUnsupportedError,
  type Message,
  type RecordedMessage,
  UnsupportedError,
} from "../../src/index.ts";
import { silentLogger } from "../../src/options.ts";
import type { ParsedStream } from "../../src/stream-name.ts";

type Event = RecordedMessage<"Deposited", { amount: number }>;

function event(position: number, commandId?: string): RecordedMessage {
  return {
    id: `e${position}`,
    type: "Deposited",
    data: { amount: 1 },
    metadata: commandId === undefined ? {} : { causationMessageId: commandId },
    streamName: "account-1",
    category: "account",
    streamId: "1",
    position,
    globalPosition: position + 1,
    time: new Date(0),
  };
}

describe("LruCache", () => {
  it("forgets the least recently used entry past maxEntries; 0 keeps nothing", () => {
    const cache = new LruCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    cache.set("c", 3);
    expect(cache.peek("b")).toBeUndefined();
    expect([cache.peek("a"), cache.peek("c"), cache.size]).toEqual([1, 3, 2]);
    const none = new LruCache<number>(0);
    none.set("a", 1);
    expect(none.get("a")).toBeUndefined();
  });
});

describe("CommandWindow", () => {
  it("keeps each command's first and last position, the most recent `limit` commands", () => {
    const window = CommandWindow.empty.after(
      [event(0, "x"), event(1, "x"), event(2), event(3, "y"), event(4, "z")],
      2,
    );
    expect(window.spanOf("x")).toBeUndefined();
    expect(window.spanOf("y")).toEqual({ first: 3, last: 3 });
    expect(window.toJson()).toEqual([
      ["y", 3, 3],
      ["z", 4, 4],
    ]);
    expect(CommandWindow.fromJson(window.toJson()).spanOf("z")).toEqual({ first: 4, last: 4 });
  });

  it("is unchanged by events without a command id", () => {
    const window = CommandWindow.empty.after([event(0, "x")], 10);
    expect(window.after([event(1)], 10)).toBe(window);
  });
});

describe("snapshot codec", () => {
  it("round-trips an entity, and tells another version from an unusable snapshot", () => {
    const entity = {
      ...newEntity(() => ({ balance: 3 })),
      version: 7,
      lastId: "e7",
      commands: CommandWindow.empty.after([event(6, "c")], 10),
    };
    const bytes = encodeSnapshot(entity, "v1");
    const decoded = decodeSnapshot<{ balance: number }>(bytes, "v1");
    expect(decoded).toMatchObject({
      state: { balance: 3 },
      version: 7,
      lastId: "e7",
      snapshotVersion: 7,
    });
    expect(decodeSnapshot(bytes, "v2")).toBe("other-version");
    expect(decodeSnapshot(new TextEncoder().encode("[]"), "v1")).toEqual({
      unusable: "not a JSON object",
    });
    const noState = new TextEncoder().encode(
      JSON.stringify({ snapshotVersion: "v1", version: 1, lastId: null, commands: [] }),
    );
    expect(decodeSnapshot(noState, "v1")).toEqual({ unusable: "no state" });
    const badWindow = new TextEncoder().encode(
      JSON.stringify({
        snapshotVersion: "v1",
        version: 1,
        lastId: null,
        commands: [[1]],
        state: 1,
      }),
    );
    expect(decodeSnapshot(badWindow, "v1")).toEqual({ unusable: "no valid command window" });
  });
});

describe("NATS snapshot names", () => {
  it("keeps safe names, and makes distinct bucket names for categories a bucket cannot hold", () => {
    expect(snapshotBucketName("", "account")).toBe("snapshots-account");
    expect(snapshotBucketName("app", "account")).toBe("app-snapshots-account");
    const command = snapshotBucketName("app", "account:command");
    expect(command).toMatch(/^app-snapshots-account_command-[0-9a-f]{12}$/);
    expect(snapshotBucketName("app", "account_command")).not.toBe(command);
  });

  it("encodes ids a key cannot hold, so that no two ids share a key", () => {
    expect(snapshotKeyOf("123-abc_X")).toBe("123-abc_X");
    expect(snapshotKeyOf("123+456")).toBe(`=${Buffer.from("123+456").toString("base64url")}`);
    expect(snapshotKeyOf("é")).not.toBe(snapshotKeyOf("e"));
  });
});

describe("entity store construction", () => {
  const options: EntityOptions<{ balance: number }, Event> = {
    category: "account",
    init: { balance: 0 },
    handlers: { Deposited: (state, message) => ({ balance: state.balance + message.data.amount }) },
  };

  it("refuses snapshots on a backend that keeps none", async () => {
    const store = await connect("memory:");
    const host = {
      get: () => store.get("account-1"),
      last: () => store.last("account-1"),
      write: () => store.write("account-1", { type: "X" }),
    };
    let error: unknown;
    try {
      new CachedEntityStore(host, undefined, silentLogger, {
        ...options,
        snapshot: { every: 10, version: 1 },
      });
    } catch (caught) {
      error = caught;
    }
    expect(isUnsupportedError(error)).toBe(true);
    await store.close();
  });

  it("lets a backend's UnsupportedError for snapshots reach the first cold fetch", async () => {
    const store = await connect("memory:");
    const host = {
      get: (stream: ParsedStream) => store.get(stream),
      last: (stream: ParsedStream) => store.last(stream),
      write: () => store.write("account-1", { type: "X" }),
    };
    const unsupported = {
      read: () => Promise.reject(new UnsupportedError("no snapshots here")),
      write: () => Promise.reject(new UnsupportedError("no snapshots here")),
    };
    const entities = new CachedEntityStore(host, unsupported, silentLogger, {
      ...options,
      snapshot: { every: 10, version: 1 },
    });
    const error = await entities.fetch("1").catch((caught: unknown) => caught);
    expect(isUnsupportedError(error)).toBe(true);
    await store.close();
  });

  it("types handlers from the event union", () => {
    expectTypeOf(options.handlers.Deposited).parameter(1).toEqualTypeOf<Event>();
    const wrong: EntityOptions<{ balance: number }, Event> = {
      category: "account",
      init: { balance: 0 },
      handlers: {
        // @ts-expect-error: Depositted is not an event of the union
        Depositted: (state: { balance: number }) => state,
      },
    };
    expect(wrong.category).toBe("account");
  });
});

describe("snapshot storage in trouble", () => {
  const options: EntityOptions<{ balance: number }, Event> = {
    category: "account",
    init: { balance: 0 },
    handlers: { Deposited: (state, message) => ({ balance: state.balance + message.data.amount }) },
    snapshot: { every: 1, version: 1 },
  };

  async function setUp(snapshots: {
    read: () => Promise<Uint8Array | undefined>;
    write: () => Promise<void>;
  }) {
    const store = await connect("memory:");
    await store.write("account-1", { type: "Deposited", data: { amount: 2 } });
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_: object, message?: string) => warnings.push(message ?? ""),
    };
    const host = {
      get: (stream: ParsedStream, read: { fromPosition?: number; maxCount?: number }) =>
        store.get(stream, read),
      last: (stream: ParsedStream) => store.last(stream),
      write: (
        stream: ParsedStream,
        messages: readonly Message[],
        write: { expectedVersion: number },
      ) => store.write(stream, messages, write),
    };
    const entities = new CachedEntityStore(host, snapshots, logger, options);
    return { store, entities, warnings };
  }

  it("a snapshot that cannot be read is a warning, and the stream is folded", async () => {
    const { store, entities, warnings } = await setUp({
      read: () => Promise.reject(new Error("bucket unreachable")),
      write: () => Promise.resolve(),
    });
    expect(await entities.fetch("1")).toEqual({ state: { balance: 2 }, version: 0 });
    expect(warnings).toContain("entity snapshot could not be read; folding the stream");
    await store.close();
  });

  it("a snapshot write that fails is a warning; the fetch and the command it followed stand", async () => {
    const { store, entities, warnings } = await setUp({
      read: () => Promise.resolve(undefined),
      write: () => Promise.reject(new Error("bucket full")),
    });
    expect((await entities.fetch("1")).version).toBe(0);
    const result = await entities.handle(
      "1",
      { type: "Deposit" },
      {
        decide: () => ({ type: "Deposited", data: { amount: 1 } }),
      },
    );
    expect(result.version).toBe(1);
    await entities.flush();
    expect(
      warnings.filter((warning) => warning === "entity snapshot could not be written"),
    ).not.toHaveLength(0);
    expect(await store.version("account-1")).toBe(1);
    await store.close();
  });

  it("a snapshot write that never ends delays neither a fetch nor a command", async () => {
    let writes = 0;
    const { store, entities } = await setUp({
      read: () => Promise.resolve(undefined),
      write: () => {
        writes += 1;
        return new Promise<void>(() => {});
      },
    });
    expect(await entities.fetch("1")).toEqual({ state: { balance: 2 }, version: 0 });
    const result = await entities.handle(
      "1",
      { type: "Deposit" },
      {
        decide: () => ({ type: "Deposited", data: { amount: 1 } }),
      },
    );
    expect(result).toMatchObject({ state: { balance: 3 }, version: 1 });
    expect(await entities.fetch("1")).toEqual({ state: { balance: 3 }, version: 1 });
    // One write at a time per entity: the hung one is not joined by another.
    expect(writes).toBe(1);
    await store.close();
  });
});
