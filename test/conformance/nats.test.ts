// The conformance suite on NATS JetStream: every store gets a prefix of its own on the shared server.
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect as natsConnect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { snapshotBucketName, snapshotKeyOf } from "../../src/backends/nats/snapshots.ts";
import { connect, isClosedError, type MessageStore } from "../../src/index.ts";
import { parseStream } from "../../src/stream-name.ts";
import { runConformance } from "../../src/testing/index.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { valibotKit, zodKit } from "../support/schema-kits.ts";

// In CI the global setup already failed the run when there is no server.
if (hasNats()) {
  runConformance({
    name: "nats",
    create: (options) => connect(natsUrl(), { ...options, prefix: uniquePrefix("conf") }),
    sibling: (store, options) => connect(natsUrl(), { ...options, prefix: store.options.prefix }),
    schemaKits: [zodKit, valibotKit],
    skip: [
      {
        reason:
          "nats.js consume() holds up to batchSize pulled messages unread, where nothing marks them in progress; one that waits there past the ack wait is redelivered to the other member (needs pulls sized to what the subscription holds)",
        tests: [
          "two consume() members slower than the ack wait hand out each message once between them",
        ],
      },
    ],
    // Straight into the KV bucket with nats.js, as a foreign or broken writer would.
    putSnapshot: async (store, stream, bytes) => {
      const connection = await natsConnect({ servers: natsUrl() });
      try {
        const bucket = await new Kvm(connection).create(
          snapshotBucketName(store.options.prefix, stream.category),
          { history: 1 },
        );
        await bucket.put(snapshotKeyOf(stream.id), bytes);
      } finally {
        await connection.close();
      }
    },
    // As another writer would: a plain JetStream publish on the stream's next position subject.
    writeRawBody: async (store, stream, body) => {
      const { prefix } = store.options;
      const { category, id } = parseStream(stream);
      await store.ensureCategory(category);
      const position = (await store.version(stream)) + 1;
      const connection = await natsConnect({ servers: natsUrl() });
      try {
        await jetstream(connection).publish(`${prefix}.${category}.${id}.${position}`, body);
      } finally {
        await connection.close();
      }
    },
  });

  it("nats: `await using` closes the store at the end of the block", async () => {
    let escaped: MessageStore | undefined;
    {
      await using store = await connect(natsUrl(), { prefix: uniquePrefix("dispose") });
      await store.write("account-1", { type: "Opened" });
      escaped = store;
    }
    const error = await escaped.write("account-1", { type: "Late" }).catch((e: unknown) => e);
    expect(isClosedError(error)).toBe(true);
  });
} else {
  describe("conformance: nats", () => {
    it.skip(`needs a nats-server: ${natsSkipReason()}`, () => {});
  });
}
