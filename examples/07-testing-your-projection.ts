/**
 * Testing your own code against the store: each test gets a fresh, isolated `memory:` store,
 * so there is nothing to start, clean up or mock.
 *
 *   npx tsx examples/07-testing-your-projection.ts
 *
 * In a real project the checks below live in your test runner (Vitest, node:test…); here they
 * use node:assert so the example runs on its own.
 */
import assert from "node:assert/strict";
import {
  connect,
  declared,
  defineCategory,
  type FetchOptions,
  type MessageOf,
  type MessageStore,
} from "message-store";

// --- the code under test: a projection and a command handler -------------------------------

interface Inventory {
  onHand: number;
  reserved: number;
}

const stock = defineCategory("inventory", {
  Received: declared<{ qty: number }>(),
  Reserved: declared<{ qty: number }>(),
});

const inventory: FetchOptions<Inventory, MessageOf<typeof stock>> = {
  init: () => ({ onHand: 0, reserved: 0 }),
  handlers: {
    Received: (state, m) => ({ ...state, onHand: state.onHand + m.data.qty }),
    Reserved: (state, m) => ({ ...state, reserved: state.reserved + m.data.qty }),
  },
};

/** Reserves stock when enough is free; returns false otherwise. */
async function reserve(store: MessageStore, sku: string, qty: number): Promise<boolean> {
  const stream = stock.stream(sku);
  const { state, version } = await store.fetch(stream, inventory);
  if (state.onHand - state.reserved < qty) return false;
  await store.write(stream, { type: "Reserved", data: { qty } }, { expectedVersion: version });
  return true;
}

// --- the tests ------------------------------------------------------------------------------

async function test(name: string, body: (store: MessageStore) => Promise<void>): Promise<void> {
  // "memory:" explicitly: tests must not pick up MESSAGE_STORE_URL from the environment.
  const store = await connect("memory:");
  try {
    await body(store);
    console.log(`ok - ${name}`);
  } finally {
    await store.close();
  }
}

await test("an unknown sku has nothing on hand", async (store) => {
  const { state, version } = await store.fetch(stock.stream("nope"), inventory);
  assert.deepEqual(state, { onHand: 0, reserved: 0 });
  assert.equal(version, -1);
});

await test("received stock can be reserved", async (store) => {
  await store.write(stock.stream("apple"), { type: "Received", data: { qty: 5 } });
  assert.equal(await reserve(store, "apple", 3), true);
  const { state } = await store.fetch(stock.stream("apple"), inventory);
  assert.deepEqual(state, { onHand: 5, reserved: 3 });
});

await test("a reservation over the free stock is refused and writes nothing", async (store) => {
  await store.write(stock.stream("pear"), [
    { type: "Received", data: { qty: 2 } },
    { type: "Reserved", data: { qty: 1 } },
  ]);
  assert.equal(await reserve(store, "pear", 2), false);
  assert.equal(await store.version("inventory-pear"), 1);
});

await test("each test sees only its own messages", async (store) => {
  // The stores above were separate: "inventory-apple" is empty here.
  assert.equal(await store.version("inventory-apple"), -1);
});

console.log("all tests passed");
