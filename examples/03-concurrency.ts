/**
 * Expected versions, idempotent retries and atomic multi-message writes.
 *
 *   npx tsx examples/03-concurrency.ts
 */
import { randomUUID } from "node:crypto";
import { connect, type ExpectedVersion, isExpectedVersionError } from "message-store";

const store = await connect(undefined, { prefix: `concurrency${Date.now()}` });
const cart = "cart-1";

/** Writes and reports the outcome on one line, whatever it is. */
async function attempt(label: string, expectedVersion: ExpectedVersion): Promise<void> {
  try {
    const { position } = await store.write(
      cart,
      { type: "ItemAdded", data: { sku: label } },
      { expectedVersion },
    );
    console.log(
      `   expectedVersion ${JSON.stringify(expectedVersion)}: written at position ${position}`,
    );
  } catch (error) {
    if (!isExpectedVersionError(error)) throw error;
    console.log(
      `   expectedVersion ${JSON.stringify(expectedVersion)}: ExpectedVersionError (stream ${error.stream} is at ${error.actual})`,
    );
  }
}

console.log("Expected versions");
await attempt("a", "exists"); // the stream has no messages yet
await attempt("a", "no_stream"); // -1 means the same
await attempt("b", "no_stream"); // now it exists
await attempt("b", 0);
await attempt("c", 0); // someone (we) already wrote position 1
await attempt("c", "exists");
await attempt("d", "any"); // the default: no check
console.log(`   version is now ${await store.version(cart)}`);

console.log("\nIdempotent retry: the same message id twice");
// A client that did not see the answer (timeout, lost connection) sends the same write again.
const message = { id: randomUUID(), type: "CheckedOut", data: { total: 42 } };
const version = await store.version(cart);
const first = await store.write(cart, message, { expectedVersion: version });
const retry = await store.write(cart, message, { expectedVersion: version });
console.log(`   first write  -> position ${first.position}`);
console.log(`   same write again -> position ${retry.position} (nothing stored)`);
const checkedOut = (await store.get(cart)).filter((m) => m.type === "CheckedOut");
console.log(`   CheckedOut messages in the stream: ${checkedOut.length}`);
// With an expected version this holds across processes too. A blind write ("any") is only
// recognised by the same store instance; see docs/concepts.md.

console.log("\nAtomic arrays: all or none");
const order = "order-9";
const batch = await store.write(order, [
  { type: "OrderPlaced", data: { items: 2 } },
  { type: "PaymentRequested", data: { amount: 42 } },
]);
console.log(`   two messages written, the last at position ${batch.position}`);
try {
  await store.write(
    order,
    [
      { type: "OrderShipped", data: {} },
      { type: "OrderDelivered", data: {} },
    ],
    { expectedVersion: 0 },
  );
} catch (error) {
  if (!isExpectedVersionError(error)) throw error;
  console.log(`   a conflicting array write stored none of its messages`);
}
const types = (await store.get(order)).map((m) => m.type);
console.log(`   ${order} holds ${types.length} messages: ${types.join(", ")}`);

await store.close();
