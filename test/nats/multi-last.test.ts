import { jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MULTI_LAST_LIMIT, multiLast } from "../../src/backends/nats/direct-get.ts";
import { Requester } from "../../src/backends/nats/requester.ts";
import { isMessageStoreError } from "../../src/errors.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { encode } from "./nats-helpers.ts";

describe.skipIf(!hasNats())(
  `multi_last direct gets through the store's requester ${natsSkipReason()}`,
  () => {
    let connection: NatsConnection;
    let requester: Requester;
    const prefix = uniquePrefix("ml");
    const storage = `${prefix}-acct`;

    beforeAll(async () => {
      connection = await connectNats({ servers: natsUrl() });
      requester = new Requester(connection);
      const manager = await jetstreamManager(connection);
      await manager.streams.add({
        name: storage,
        subjects: [`${prefix}.acct.>`],
        allow_direct: true,
      });
      const js = manager.jetstream();
      for (let position = 0; position < 3; position += 1)
        await js.publish(`${prefix}.acct.1.${position}`, encode({ type: "A", data: position }));
      await js.publish(`${prefix}.acct.2.0`, encode({ type: "B" }));
      await Promise.all(
        Array.from({ length: MULTI_LAST_LIMIT + 1 }, (_, position) =>
          js.publish(`${prefix}.acct.big.${position}`, encode({ type: "C" })),
        ),
      );
    });
    afterAll(async () => {
      await connection.close();
    });

    it("answers an entity's messages in sequence order with subject, sequence and time", async () => {
      const found = await multiLast(requester, storage, [`${prefix}.acct.1.*`], 5000);
      expect(found).not.toBe("too-many");
      const messages = found as Exclude<typeof found, "too-many">;
      expect(messages.map((m) => m.subject)).toEqual([0, 1, 2].map((p) => `${prefix}.acct.1.${p}`));
      expect(messages.map((m) => m.sequence)).toEqual([1, 2, 3]);
      expect(messages.every((m) => m.time instanceof Date && !Number.isNaN(m.time.getTime()))).toBe(
        true,
      );
      expect(JSON.parse(new TextDecoder().decode(messages[2]?.data))).toEqual({
        type: "A",
        data: 2,
      });
    });

    it("answers nothing for subjects that match nothing, and too-many past the server's cap", async () => {
      await expect(multiLast(requester, storage, [`${prefix}.acct.none.*`], 5000)).resolves.toEqual(
        [],
      );
      await expect(multiLast(requester, storage, [`${prefix}.acct.big.*`], 5000)).resolves.toBe(
        "too-many",
      );
    });

    it("turns any other status into a MessageStoreError", async () => {
      const fake = `${prefix}-fake`;
      const responder = connection.subscribe(`$JS.API.DIRECT.GET.${fake}`, {
        callback: (_error, message) => {
          message.respond(new Uint8Array(), { headers: headers(408, "Bad Request") });
        },
      });
      await connection.flush();
      const error = await multiLast(requester, fake, [`${prefix}.x`], 5000).catch(
        (e: unknown) => e,
      );
      expect(isMessageStoreError(error)).toBe(true);
      expect((error as Error).message).toContain("408");
      responder.unsubscribe();
    });
  },
);
