/**
 * Stream names: `category-id`, split at the first `-`, plus `{ category, id }` for
 * categories that contain a `-` themselves.
 *
 *   npx tsx examples/02-stream-names.ts
 */
import {
  cardinalId,
  category,
  categoryTypes,
  connect,
  id,
  isCategory,
  isInvalidStreamNameError,
  streamName,
} from "message-store";

/** Prints a call and its result in two aligned columns. */
function show(call: string, result: unknown): void {
  console.log(`   ${call.padEnd(42)} -> ${JSON.stringify(result)}`);
}

console.log("Composing and splitting names");
show(`streamName("account", "123")`, streamName("account", "123"));
show(`streamName("account", ["123", "456"])`, streamName("account", ["123", "456"]));
show(`category("account:command-123")`, category("account:command-123"));
show(`id("account-123+456")`, id("account-123+456"));
show(`cardinalId("account-123+456")`, cardinalId("account-123+456"));
show(`isCategory("account")`, isCategory("account"));
show(`isCategory("account-123")`, isCategory("account-123"));
show(`categoryTypes("account:command+position")`, categoryTypes("account:command+position"));
// Only the first "-" splits: the id keeps the rest.
show(`id("account-2024-01")`, id("account-2024-01"));

console.log("\nRejected before anything is sent");
for (const bad of ["account-", "-1", "account-1.2", "account 1", "orders-*"]) {
  try {
    category(bad);
    console.log(`   ${JSON.stringify(bad)} was accepted (unexpected)`);
  } catch (error) {
    if (!isInvalidStreamNameError(error)) throw error;
    console.log(`   ${JSON.stringify(bad)}: ${error.message}`);
  }
}

const store = await connect(undefined, { prefix: `names${Date.now()}` });

// A category with a "-" in it cannot be written as a string ("import-podcast:command-65a1"
// would split after "import"), so name the parts.
console.log("\nA category that contains '-'");
const command = { category: "import-podcast:command", id: "65a1" };
await store.write(command, { type: "ImportPodcast", data: { feed: "https://example.com/feed" } });
for (const message of await store.get(command)) {
  console.log(`   category  ${message.category}`);
  console.log(`   streamId  ${message.streamId}`);
  console.log(
    `   streamName ${message.streamName} (a display name: split it and you get the wrong category)`,
  );
}
console.log(`   version of the { category, id } stream: ${await store.version(command)}`);

await store.close();
