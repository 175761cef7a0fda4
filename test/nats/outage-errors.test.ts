// Every call that reaches the server fails with the store's own error while the server is away
// or the caller's connection is closed: never a nats.js error, never an answer made up.
import { connect as connectNats } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import {
  connect,
  fromNats,
  isConnectionError,
  isMessageStoreError,
  isTimeoutError,
  type MessageStore,
} from "../../src/index.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsUrl, startDedicatedServer, uniquePrefix } from "../support/nats.ts";

/** Each call that asks the server: its name, what the store's error names, the call. */
function callsOf(store: MessageStore): [string, string, () => Promise<unknown>][] {
  const drain = async (items: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of items);
  };
  return [
    ["get", "read acct-1", () => store.get("acct-1")],
    ["fetch", "read acct-1", () => store.fetch("acct-1", { init: 0, handlers: {} })],
    ["version", "version of acct-1", () => store.version("acct-1")],
    ["last", "last of acct-1", () => store.last("acct-1")],
    ["readCategory", "read category acct", () => drain(store.readCategory("acct"))],
    ["categories", "list categories", () => store.categories()],
    ["consumerInfo", "consumer worker of acct", () => store.consumerInfo("acct", "worker")],
    ["consumers", "list consumers", () => store.consumers()],
    ["deadLetters", "read dead letters of acct", () => store.deadLetters("acct")],
    [
      "resetConsumer",
      "reset consumer worker of acct",
      () => store.resetConsumer("acct", "worker", "beginning"),
    ],
    ["ensureCategory", "ensureCategory other", () => store.ensureCategory("other")],
    ["diagnose", "diagnose", () => store.diagnose()],
    ["write", "write to acct-1", () => store.write("acct-1", { type: "Late" })],
  ];
}

/** What each call threw (or `"resolved"`), by "name: what its error names". */
async function outcomes(store: MessageStore): Promise<Map<string, unknown>> {
  const settled = await Promise.all(
    callsOf(store).map(async ([name, what, call]) => {
      try {
        await call();
        return [`${name}: ${what}`, "resolved"] as const;
      } catch (error) {
        return [`${name}: ${what}`, error] as const;
      }
    }),
  );
  return new Map(settled);
}

/** A category with a message and a consumer, on `url`, for a store that has read it and one that has not. */
async function preparedStores(url: string): Promise<[MessageStore, MessageStore]> {
  const prefix = uniquePrefix("outage");
  const seen = await connect(url, { prefix, timeoutMs: 600 });
  await seen.write("acct-1", { type: "Opened" });
  const subscription = seen.subscribe("acct", { consumer: "worker", handlers: {} });
  await subscription.start();
  await subscription.stop();
  await seen.get("acct-1");
  const unseen = await connect(url, { prefix, timeoutMs: 600 });
  return [seen, unseen];
}

describe.skipIf(!hasNats())("calls while the server is away", () => {
  let server: RunningNatsServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("each fail with the store's TimeoutError naming the call, in a store that has seen the category or not", async () => {
    server = await startDedicatedServer();
    const stores = await preparedStores(server.url);
    await server.kill();
    try {
      for (const store of stores) {
        for (const [what, error] of await outcomes(store)) {
          // A consumer looked up while nobody answers is not a consumer that does not exist.
          expect({ what, store: isMessageStoreError(error) }).toEqual({ what, store: true });
          expect({ what, timeout: isTimeoutError(error) }).toEqual({ what, timeout: true });
          expect((error as Error).message).toContain(what.split(": ")[1]);
          expect((error as Error).message).toContain("no answer from NATS within 600 ms");
        }
      }
    } finally {
      await server.restart();
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

describe.skipIf(!hasNats())("calls after the caller closed its own connection", () => {
  it("each fail with ConnectionError", async () => {
    const [prepared] = await preparedStores(natsUrl());
    await prepared.close();
    const connection = await connectNats({ servers: natsUrl() });
    const store = await fromNats(connection, {
      prefix: prepared.options.prefix,
      timeoutMs: 600,
    });
    await connection.close();
    try {
      for (const [what, error] of await outcomes(store)) {
        expect({ what, connection: isConnectionError(error) }).toEqual({ what, connection: true });
        expect((error as Error).message).toContain(what.split(": ")[1]);
      }
    } finally {
      await store.close();
    }
  });
});
