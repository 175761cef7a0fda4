// The conformance suite on NATS JetStream: every store gets a prefix of its own on the shared server.
import { jetstream } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { connect, isClosedError, type MessageStore } from "../../src/index.ts";
import { parseStream } from "../../src/stream-name.ts";
import { runConformance } from "../../src/testing/index.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";

// In CI the global setup already failed the run when there is no server.
if (hasNats()) {
  runConformance({
    name: "nats",
    create: (options) => connect(natsUrl(), { ...options, prefix: uniquePrefix("conf") }),
    sibling: (store, options) => connect(natsUrl(), { ...options, prefix: store.options.prefix }),
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
