// One message by subject, through a direct get or, without `allow_direct`, a plain message get:
// both answers must give the same place (subject, sequence, time).
import { StorageType } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { lastOnSubject, messagesOnSubject } from "../../src/backends/nats/direct-get.ts";
import { Requester } from "../../src/backends/nats/requester.ts";
import type { StorageConfig } from "../../src/backends/nats/storage.ts";
import { hasNats, uniquePrefix } from "../support/nats.ts";
import { encode, useNatsTestBed } from "./nats-helpers.ts";

describe.skipIf(!hasNats())("reading one message by subject", () => {
  const bed = useNatsTestBed("direct_get");

  async function streamWith(direct: boolean): Promise<{ storage: StorageConfig; head: string }> {
    const head = uniquePrefix("dg");
    const name = `${head}-c`;
    // Zencastr's exact configuration, plus allow_direct for the direct case.
    await bed.raw().manager.streams.add({
      name,
      subjects: [`${head}.c.>`],
      storage: StorageType.File,
      max_bytes: 2 ** 30,
      max_msg_size: 2 ** 22,
      allow_direct: direct,
    });
    const storage: StorageConfig = {
      name,
      layout: "zencastr",
      guarded: false,
      direct,
      atomic: false,
      exclusive: true,
    };
    return { storage, head };
  }

  for (const direct of [false, true]) {
    it(`${direct ? "a direct get" : "a plain message get (no allow_direct)"} gives subject, sequence, time and headers`, async () => {
      const { storage, head } = await streamWith(direct);
      const { connection, manager } = bed.raw();
      const requester = new Requester(connection);
      await connection.request(`${head}.c.1`, encode({ type: "A", data: 1 }));
      const before = Date.now();
      const withHeader = headers();
      withHeader.set("X-Trace", "t-1");
      const ack = JSON.parse(
        new TextDecoder().decode(
          (
            await connection.request(`${head}.c.1`, encode({ type: "B", data: 2 }), {
              headers: withHeader,
              timeout: 5000,
            })
          ).data,
        ),
      ) as { seq: number };
      await connection.request(`${head}.c.2`, encode({ type: "C", data: 3 }));

      const last = await lastOnSubject(manager, requester, storage, `${head}.c.1`, 5000);
      expect(last).toMatchObject({
        storage: storage.name,
        subject: `${head}.c.1`,
        sequence: ack.seq,
      });
      expect(last?.headers?.get("X-Trace")).toBe("t-1");
      expect(Math.abs((last?.time.getTime() ?? 0) - before)).toBeLessThan(5_000);
      expect(JSON.parse(new TextDecoder().decode(last?.data))).toEqual({ type: "B", data: 2 });

      const wildcard = await lastOnSubject(manager, requester, storage, `${head}.c.*`, 5000);
      expect(wildcard).toMatchObject({ subject: `${head}.c.2`, sequence: ack.seq + 1 });
      if (!direct) expect(wildcard?.headers).toBeUndefined();
      expect(await lastOnSubject(manager, requester, storage, `${head}.c.9`, 5000)).toBeUndefined();
      expect(await messagesOnSubject(manager, storage, `${head}.c.1`)).toBe(2);
      expect(await messagesOnSubject(manager, storage, `${head}.c.9`)).toBe(0);
    });
  }
});
