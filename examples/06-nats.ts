/**
 * The same API on NATS JetStream, and where things land there.
 *
 *   MESSAGE_STORE_URL=nats://127.0.0.1:4222 npx tsx examples/06-nats.ts
 *
 * Needs nats-server >= 2.12 started with JetStream (`nats-server -js`). Without a nats://
 * URL it explains this and exits.
 */
import { connect, MESSAGE_STORE_URL_ENV } from "message-store";

const url = process.env[MESSAGE_STORE_URL_ENV];
if (url === undefined || !url.startsWith("nats://")) {
  console.log(`This example needs NATS. Start a server with JetStream and run it again:

   nats-server -js
   ${MESSAGE_STORE_URL_ENV}=nats://127.0.0.1:4222 npx tsx examples/06-nats.ts

Every other example runs on NATS the same way, with ${MESSAGE_STORE_URL_ENV} set.`);
  process.exit(0);
}

// A prefix namespaces every JetStream stream and subject, here one per run.
const prefix = `example${Date.now()}`;
const store = await connect(url, { prefix });
console.log(`connected to ${url} (${store.backendKind} backend), prefix ${prefix}`);

// Optional: writes create a category's JetStream stream on first use. ensureCategory creates it
// up front, e.g. at deploy time, or with createMissingStreams: false.
await store.ensureCategory("account");

await store.write("account-1", { type: "Opened", data: { owner: "Ada" } });
await store.write("account-1", [
  { type: "Deposited", data: { amount: 10 } },
  { type: "Deposited", data: { amount: 20 } },
]);

console.log(`\nJetStream stream ${prefix}-account, one subject per position:`);
for (const message of await store.get("account-1")) {
  console.log(
    `   ${prefix}.account.1.${message.position}  ${message.type}  (stream sequence ${message.globalPosition})`,
  );
}

console.log("\nCategories:");
for (const stats of await store.categories()) {
  if (!stats.storage.startsWith(prefix)) continue;
  console.log(
    `   ${stats.category}: ${stats.messages} messages, ${stats.bytes} bytes in ${stats.storage}`,
  );
}

await store.close();
