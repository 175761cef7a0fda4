import {
  connect as connectNats,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientFailure } from "../../src/backends/nats/jetstream-errors.ts";
import { Requester } from "../../src/backends/nats/requester.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { encode, openRawNats, type RawNats } from "./nats-helpers.ts";

describe.skipIf(!hasNats())(
  `the store's requester, against a real nats-server ${natsSkipReason()}`,
  () => {
    let raw: RawNats;
    beforeAll(async () => {
      raw = await openRawNats();
    });
    afterAll(async () => {
      await raw.close();
    });

    it("pairs each answer with its own request when many are in flight", async () => {
      const subject = `${uniquePrefix("req")}.echo`;
      // Answers in reverse order, so a mix-up of replies would show.
      const held: { reply: () => void }[] = [];
      const responder = raw.connection.subscribe(subject, {
        callback: (_error, message) => {
          held.push({ reply: () => message.respond(message.data) });
          if (held.length === 20) for (const { reply } of held.reverse()) reply();
        },
      });
      await raw.connection.flush();
      const requester = new Requester(raw.connection);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, n) => requester.request(subject, encode(`m${n}`), 2000)),
      );
      expect(answers.map((answer) => answer.string())).toEqual(
        Array.from({ length: 20 }, (_, n) => `m${n}`),
      );
      responder.unsubscribe();
    });

    it("hands every reply of a many-reply request over until told it was the last", async () => {
      const subject = `${uniquePrefix("req")}.many`;
      const responder = raw.connection.subscribe(subject, {
        callback: (_error, message) => {
          // Three answers 100 ms apart, each within the 250 ms wait for the next one.
          for (const [index, word] of ["one", "two", "end"].entries()) {
            setTimeout(() => message.respond(encode(word)), 100 * (index + 1));
          }
        },
      });
      await raw.connection.flush();
      const requester = new Requester(raw.connection);
      const seen: string[] = [];
      await requester.requestReplies(subject, encode("x"), 250, (reply) => {
        seen.push(reply.string());
        return reply.string() === "end";
      });
      expect(seen).toEqual(["one", "two", "end"]);
      const failing = requester.requestReplies(subject, encode("x"), 250, () => {
        throw new Error("not what I asked for");
      });
      await expect(failing).rejects.toThrow("not what I asked for");
      responder.unsubscribe();
    });

    it("waits for each next reply, not for the whole answer, and fails once replies stop", async () => {
      const subject = `${uniquePrefix("req")}.slow`;
      const responder = raw.connection.subscribe(subject, {
        callback: (_error, message) => {
          // Replies 100 ms apart for 500 ms in all, then none: the 250 ms wait applies to each gap.
          for (let index = 1; index <= 5; index += 1) {
            setTimeout(() => message.respond(encode(`r${index}`)), 100 * index);
          }
        },
      });
      await raw.connection.flush();
      const requester = new Requester(raw.connection);
      const seen: string[] = [];
      const failure = await requester
        .requestReplies(subject, encode("x"), 250, (reply) => {
          seen.push(reply.string());
          return false;
        })
        .catch((error: unknown) => error);
      expect(seen).toEqual(["r1", "r2", "r3", "r4", "r5"]);
      expect(failure).toBeInstanceOf(TimeoutError);
      responder.unsubscribe();
    });

    it("fails with nats.js TimeoutError when nobody answers in time", async () => {
      const subject = `${uniquePrefix("req")}.silent`;
      const silent = raw.connection.subscribe(subject, { callback: () => {} });
      await raw.connection.flush();
      const requester = new Requester(raw.connection);
      const started = Date.now();
      await expect(requester.request(subject, encode("x"), 150)).rejects.toBeInstanceOf(
        TimeoutError,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      silent.unsubscribe();
    });

    it("fails with NoRespondersError, which the writer retries, when nobody listens", async () => {
      const requester = new Requester(raw.connection);
      const failure = await requester
        .request(`${uniquePrefix("req")}.nobody`, encode("x"), 2000)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(NoRespondersError);
      expect(isTransientFailure(failure)).toBe(true);
    });

    it("fails a request in flight at once when its connection closes", async () => {
      const connection = await connectNats({ servers: natsUrl() });
      const subject = `${uniquePrefix("req")}.closing`;
      const silent = raw.connection.subscribe(subject, { callback: () => {} });
      await raw.connection.flush();
      const requester = new Requester(connection);
      const pending = requester.request(subject, encode("x"), 30_000);
      const outcome = pending.catch((error: unknown) => error);
      await connection.flush();
      const started = Date.now();
      await connection.close();
      expect(await outcome).toBeInstanceOf(RequestError);
      expect(Date.now() - started).toBeLessThan(5000);
      silent.unsubscribe();
    });
  },
);
