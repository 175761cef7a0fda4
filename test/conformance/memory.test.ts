// The conformance suite on the embedded memory backend: the reference every backend matches.
import { expect, it } from "vitest";
import type { Backend } from "../../src/backend.ts";
import { createMemoryBackend } from "../../src/backends/memory/index.ts";
import { connect, isClosedError, MessageStore, resolveOptions } from "../../src/index.ts";
import { parseStream } from "../../src/stream-name.ts";
import { runConformance } from "../../src/testing/index.ts";

/** The backend of each store made here, so a peer can share it as another process shares NATS. */
const backends = new WeakMap<MessageStore, Backend>();

runConformance({
  name: "memory",
  create: async (options) => {
    const resolved = resolveOptions(options);
    const backend = createMemoryBackend(resolved);
    const store = new MessageStore(backend, resolved);
    backends.set(store, backend);
    return store;
  },
  createPeer: async (store) => new MessageStore(backendOf(store), store.options),
  putSnapshot: async (store, stream, bytes) => {
    const snapshots = backendOf(store).snapshots;
    if (snapshots === undefined) throw new Error("the memory backend keeps snapshots");
    await snapshots.write(parseStream(stream), bytes);
  },
});

function backendOf(store: MessageStore): Backend {
  const backend = backends.get(store);
  if (backend === undefined) throw new Error("not a store made by this suite");
  return backend;
}

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

it("memory: each connect('memory:') is isolated", async () => {
  const one = await connect("memory:");
  const two = await connect("memory:");
  await one.write("account-1", { type: "Opened" });
  expect(await two.version("account-1")).toBe(-1);
  await Promise.all([one.close(), two.close()]);
});
