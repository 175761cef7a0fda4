// The conformance suite on the embedded memory backend: the reference every backend matches.
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { createMemoryBackend } from "../../src/backends/memory/index.ts";
import { connect, isClosedError, type MessageStore } from "../../src/index.ts";
import { resolveOptions } from "../../src/options.ts";
import { parseStream } from "../../src/stream-name.ts";
import { runConformance } from "../../src/testing/index.ts";

// Each store gets a data set of its own name, so that `sibling` can open a second store on it,
// and `writeRawBody` a backend past the store's checks.
const dataNames = new WeakMap<MessageStore, string>();
let stores = 0;

runConformance({
  name: "memory",
  create: async (options) => {
    stores += 1;
    const name = `conformance-${stores}`;
    const store = await connect(`memory:${name}`, options);
    dataNames.set(store, name);
    return store;
  },
  sibling: (store, options) => connect(`memory:${dataNames.get(store) ?? ""}`, options),
  writeRawBody: async (store, stream, body) => {
    const name = dataNames.get(store);
    if (name === undefined) throw new Error("not a store of this suite");
    const backend = createMemoryBackend(resolveOptions({}), name);
    const message = { id: randomUUID(), type: "Raw", data: null, metadata: {}, body };
    try {
      await backend.append(parseStream(stream), [message], "any");
    } finally {
      await backend.close();
    }
  },
});

it("memory: `await using` closes the store at the end of the block", async () => {
  let escaped: MessageStore | undefined;
  {
    await using store = await connect("memory:");
    await store.write("account-1", { type: "Opened" });
    escaped = store;
  }
  const error = await escaped.write("account-1", { type: "Late" }).catch((e: unknown) => e);
  expect(isClosedError(error)).toBe(true);
});

it("memory: stores opened on one name share their data until the last one closes", async () => {
  const one = await connect("memory:shared-test");
  const two = await connect("memory:shared-test");
  await one.write("account-1", { type: "Opened" });
  expect(await two.version("account-1")).toBe(0);
  await one.close();
  expect(await two.version("account-1")).toBe(0);
  await two.close();
  const fresh = await connect("memory:shared-test");
  expect(await fresh.version("account-1")).toBe(-1);
  await fresh.close();
});

it("memory: each connect('memory:') is isolated", async () => {
  const one = await connect("memory:");
  const two = await connect("memory:");
  await one.write("account-1", { type: "Opened" });
  expect(await two.version("account-1")).toBe(-1);
  await Promise.all([one.close(), two.close()]);
});
