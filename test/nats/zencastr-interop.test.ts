/**
 * Wire compatibility with the Zencastr Python message store, checked from the other side with
 * plain nats.js: what Zencastr publishes, we read; what we write, a Zencastr consumer reads;
 * streams Zencastr created are used as they are; dead letters keep the original bytes.
 */
import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  isUnsupportedError,
  type MessageStore,
  type RecordedMessage,
} from "../../src/index.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";

const GIB = 1024 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Zencastr's Python writer: `json.dumps` spacing (", " and ": "), no id. */
const zencastrBody = (text: string): Uint8Array => encoder.encode(text);

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!hasNats())(
  `Zencastr interop${hasNats() ? "" : ` (skipped: ${natsSkipReason()})`}`,
  () => {
    let connection: NatsConnection;
    let manager: JetStreamManager;
    let client: JetStreamClient;
    let stores: MessageStore[] = [];

    beforeAll(async () => {
      connection = await natsConnect({ servers: natsUrl() });
      manager = await jetstreamManager(connection);
      client = jetstream(connection);
    });

    afterEach(async () => {
      await Promise.allSettled(stores.map((store) => store.close()));
      stores = [];
    });

    afterAll(async () => {
      await connection?.drain();
    });

    async function openStore(prefix: string): Promise<MessageStore> {
      const store = await connect(natsUrl(), { prefix });
      stores.push(store);
      return store;
    }

    /** A category stream made the way Zencastr makes it: no direct get, no atomic batches, discard old at 1 GiB. */
    async function zencastrStream(prefix: string, categoryName: string): Promise<string> {
      const name = `${prefix}-${categoryName}`;
      await manager.streams.add({
        name,
        subjects: [`${prefix}.${categoryName}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_bytes: GIB,
        max_msg_size: 4 * 1024 * 1024,
        allow_direct: false,
      });
      return name;
    }

    async function streamNames(prefix: string): Promise<string[]> {
      const names: string[] = [];
      for await (const name of manager.streams.names())
        if (name.startsWith(prefix)) names.push(name);
      return names.sort();
    }

    /** What a Zencastr consumer filtering `{prefix}.{category}.>` receives. */
    async function consumeRaw(
      storage: string,
      filter: string,
      count: number,
    ): Promise<{ subject: string; body: string; hasHeaders: boolean }[]> {
      const consumer = await client.consumers.get(storage, { filter_subjects: [filter] });
      const received: { subject: string; body: string; hasHeaders: boolean }[] = [];
      const messages = await consumer.fetch({ max_messages: count, expires: 5000 });
      for await (const message of messages) {
        received.push({
          subject: message.subject,
          body: message.string(),
          hasHeaders: message.headers !== undefined,
        });
        if (received.length === count) break;
      }
      return received;
    }

    it("a Zencastr-published message is read, fetched and dispatched, with a stable derived id", async () => {
      const prefix = uniquePrefix("zc_read");
      const storage = await zencastrStream(prefix, "account");
      const entity = "65a1b2";
      const subject = `${prefix}.account.${entity}`;
      await client.publish(
        subject,
        zencastrBody(
          `{"type": "Deposited", "data": {"amount": 5}, "metadata": {"originSubject": "${subject}", "traceId": "trace-1"}}`,
        ),
      );
      await client.publish(
        subject,
        zencastrBody(
          `{"type": "Deposited", "data": {"amount": 7}, "metadata": {"traceId": "trace-2"}}`,
        ),
      );
      const store = await openStore(prefix);
      const stream = `account-${entity}`;

      const read = await store.get(stream);
      expect(read).toHaveLength(2);
      expect(read[0]).toMatchObject({
        type: "Deposited",
        data: { amount: 5 },
        metadata: { originSubject: subject, traceId: "trace-1" },
        streamName: stream,
        category: "account",
        streamId: entity,
      });
      expect(read[1]).toMatchObject({ data: { amount: 7 }, metadata: { traceId: "trace-2" } });
      const ids = read.map((m) => m.id);
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(2);
      expect((await store.get(stream)).map((m) => m.id)).toEqual(ids);
      expect(read.map((m) => m.position)).toEqual([0, 1]);
      expect(await store.version(stream)).toBe(1);
      expect((await store.last(stream))?.id).toBe(ids[1]);

      const fetched = await store.fetch(stream, {
        init: 0,
        handlers: { Deposited: (sum, m) => sum + (m.data as { amount: number }).amount },
      });
      expect(fetched).toEqual({ state: 12, version: 1 });

      const category: RecordedMessage[] = [];
      for await (const message of store.readCategory("account")) category.push(message);
      expect(category.map((m) => m.id)).toEqual(ids);

      const dispatched: RecordedMessage[] = [];
      const subscription = store.subscribe("account", {
        consumer: "zencastr_reader",
        handlers: { Deposited: (m) => void dispatched.push(m) },
      });
      await subscription.start();
      await until("both messages dispatched", async () =>
        dispatched.length >= 2 ? true : undefined,
      );
      await subscription.stop();
      expect(dispatched.map((m) => m.id)).toEqual(ids);
      expect(dispatched[0]).toMatchObject({ streamName: stream, data: { amount: 5 } });
      // No new stream was made for the category.
      expect(await streamNames(prefix)).toEqual([storage]);
    });

    it("what we write is a body and subject a Zencastr consumer reads", async () => {
      const prefix = uniquePrefix("zc_write");
      const store = await openStore(prefix);
      const entity = "e42";
      const id = "0b6d0d4e-5d43-4bd5-9a4e-0c2f0f6c1a11";
      await store.write(`account-${entity}`, {
        id,
        type: "Deposited",
        data: { amount: 5 },
        metadata: { traceId: "t-1" },
      });
      await store.write(`account-${entity}`, { type: "Withdrawn", data: { amount: 2 } });
      const [storage] = await streamNames(prefix);
      expect(storage).toBe(`${prefix}-account`);

      const received = await consumeRaw(storage as string, `${prefix}.account.>`, 2);
      expect(received.map((m) => m.subject)).toEqual([
        `${prefix}.account.${entity}.0`,
        `${prefix}.account.${entity}.1`,
      ]);
      for (const message of received) {
        // Zencastr takes the entity id from the token after the category.
        expect(message.subject.split(".")[2]).toBe(entity);
        // Single-message writes to a guarded stream store no headers (DESIGN §3).
        expect(message.hasHeaders).toBe(false);
      }
      expect(received[0]?.body).toBe(
        `{"type":"Deposited","data":{"amount":5},"metadata":{"traceId":"t-1"},"id":"${id}"}`,
      );
      const second = JSON.parse(received[1]?.body ?? "{}") as Record<string, unknown>;
      expect(Object.keys(second)).toEqual(["type", "data", "id"]);
      expect(second).toMatchObject({ type: "Withdrawn", data: { amount: 2 } });
    });

    it("a stream Zencastr created is found and used as it is", async () => {
      const prefix = uniquePrefix("zc_found");
      const storage = await zencastrStream(prefix, "account");
      const store = await openStore(prefix);
      const stream = "account-a1";
      const first = await store.write(stream, { type: "Opened" });
      const second = await store.write(stream, { type: "Deposited", data: { amount: 3 } });
      expect([first.position, second.position]).toEqual([0, 1]);
      expect(first.globalPosition).toBe(1);
      expect((await store.get(stream)).map((m) => m.type)).toEqual(["Opened", "Deposited"]);
      expect(await streamNames(prefix)).toEqual([storage]);
      const info = await manager.streams.info(storage);
      expect(info.state.messages).toBe(2);
      // Used as it is: the store does not rewrite Zencastr's configuration on a write.
      expect(info.config.discard).toBe(DiscardPolicy.Old);
      expect(info.config.allow_direct).toBe(false);
    });

    it("a stream with another name that covers the category is used too", async () => {
      const prefix = uniquePrefix("zc_cover");
      const legacy = `${prefix}_legacy_orders`;
      await manager.streams.add({
        name: legacy,
        subjects: [`${prefix}.orders.>`],
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_bytes: GIB,
      });
      const store = await openStore(prefix);
      await store.write("orders-1", { type: "Placed" });
      expect(await store.version("orders-1")).toBe(0);
      expect(await streamNames(prefix)).toEqual([legacy]);
      expect((await manager.streams.info(legacy)).state.messages).toBe(1);
    });

    it("an array write to a Zencastr stream without allow_atomic fails clearly and writes nothing", async () => {
      const prefix = uniquePrefix("zc_atomic");
      await zencastrStream(prefix, "account");
      const store = await openStore(prefix);
      const error = await store
        .write("account-1", [{ type: "A" }, { type: "B" }])
        .catch((caught: unknown) => caught);
      expect(isUnsupportedError(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/atomic/i);
      expect(await store.version("account-1")).toBe(-1);
      // ensureCategory switches atomic batches on, and the array write then works.
      await store.ensureCategory("account");
      expect((await store.write("account-1", [{ type: "A" }, { type: "B" }])).position).toBe(1);
    });

    it("a dead letter keeps the original bytes on {prefix}.{dlq}.{original subject} with Ms-* headers", async () => {
      const prefix = uniquePrefix("zc_dlq");
      const store = await openStore(prefix);
      const entity = "d1";
      await store.write(`account-${entity}`, {
        type: "Doomed",
        data: { amount: 1 },
        metadata: { traceId: "t-9" },
      });
      const original = await manager.streams.getMessage(`${prefix}-account`, {
        last_by_subj: `${prefix}.account.${entity}.0`,
      });
      expect(original).not.toBeNull();
      const subscription = store.subscribe("account", {
        consumer: "dlq_writer",
        maxAttempts: 2,
        retryDelay: 0,
        deadLetter: "dlq",
        handlers: {
          Doomed: () => {
            throw new Error("boom");
          },
        },
      });
      await subscription.start();
      const letter = await until("the dead letter", async () => {
        try {
          return (
            (await manager.streams.getMessage(`${prefix}-dlq`, {
              last_by_subj: `${prefix}.dlq.account.${entity}.0`,
            })) ?? undefined
          );
        } catch {
          return undefined;
        }
      });
      await subscription.stop();
      expect(decoder.decode(letter.data)).toBe(decoder.decode(original?.data));
      expect(Buffer.from(letter.data).equals(Buffer.from(original?.data ?? []))).toBe(true);
      expect(letter.header.get("Ms-Dead-Letter-Reason")).toBe("failed");
      expect(letter.header.get("Ms-Dead-Letter-Error")).toBe("boom");
      expect(letter.header.get("Ms-Dead-Letter-Attempts")).toBe("2");
      expect(letter.header.get("Ms-Dead-Letter-Consumer")).toBe("dlq_writer");
      expect(letter.header.get("Ms-Original-Stream")).toBe(`account-${entity}`);
      expect(letter.header.get("Ms-Original-Sequence")).toBe(String(original?.seq));
      const [dead] = await collectCategory(store, "dlq");
      expect(dead).toMatchObject({
        type: "Doomed",
        streamName: `account-${entity}`,
        streamId: entity,
      });
    });

    it("a terminated Zencastr message and a malformed body are dead-lettered byte for byte", async () => {
      const prefix = uniquePrefix("zc_term");
      await zencastrStream(prefix, "account");
      const subject = `${prefix}.account.z1`;
      const zencastr = zencastrBody(
        `{"type": "Poison", "data": {"x": 1}, "metadata": {"originSubject": "${subject}", "traceId": "p"}}`,
      );
      const malformed = encoder.encode("not json at all");
      const zencastrAck = await client.publish(subject, zencastr);
      const malformedAck = await client.publish(`${prefix}.account.z2`, malformed);
      const store = await openStore(prefix);
      const subscription = store.subscribe("account", {
        consumer: "terminator",
        retryDelay: 0,
        deadLetter: "dlq",
        handlers: { Poison: (_m, context) => context.terminate("not for us") },
      });
      await subscription.start();
      const getLetter = (letterSubject: string) =>
        until(`a dead letter on ${letterSubject}`, async () => {
          try {
            return (
              (await manager.streams.getMessage(`${prefix}-dlq`, {
                last_by_subj: letterSubject,
              })) ?? undefined
            );
          } catch {
            return undefined;
          }
        });
      const terminated = await getLetter(`${prefix}.dlq.account.z1`);
      const broken = await getLetter(`${prefix}.dlq.account.z2`);
      await subscription.stop();
      expect(Buffer.from(terminated.data).equals(Buffer.from(zencastr))).toBe(true);
      expect(terminated.header.get("Ms-Dead-Letter-Reason")).toBe("terminated");
      expect(terminated.header.get("Ms-Dead-Letter-Error")).toBe("not for us");
      expect(terminated.header.get("Ms-Original-Stream")).toBe("account-z1");
      expect(terminated.header.get("Ms-Original-Sequence")).toBe(String(zencastrAck.seq));
      expect(Buffer.from(broken.data).equals(Buffer.from(malformed))).toBe(true);
      expect(broken.header.get("Ms-Dead-Letter-Reason")).toBe("malformed");
      expect(broken.header.get("Ms-Original-Sequence")).toBe(String(malformedAck.seq));
      const info = await manager.streams.info(`${prefix}-dlq`);
      expect(info.state.messages).toBe(2);
    });
  },
);

async function collectCategory(
  store: MessageStore,
  categoryName: string,
): Promise<RecordedMessage[]> {
  const messages: RecordedMessage[] = [];
  for await (const message of store.readCategory(categoryName)) messages.push(message);
  return messages;
}
