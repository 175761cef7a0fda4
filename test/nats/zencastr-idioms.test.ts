/**
 * Every Zencastr idiom against both subject layouts, both ways, with and without a prefix
 * (docs/zencastr.md, "What each side sees"). The Python side is `ZencastrClient`, which sends
 * what Zencastr's client sends. A `zencastr`-layout category is one a Zencastr service made
 * (no mark, no direct get, no atomic batches); a `position`-layout one is made by this store.
 */
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  isExpectedVersionError,
  isUnsupportedError,
  type MessageStore,
  type RecordedMessage,
} from "../../src/index.ts";
import { eventually } from "../../src/testing/helpers.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { ZencastrApiError, ZencastrClient, type ZencastrDelivered } from "./zencastr-client.ts";

type Layout = "zencastr" | "position";

const CASES: readonly { prefix: string; layout: Layout }[] = [
  { prefix: "", layout: "zencastr" },
  { prefix: "env", layout: "zencastr" },
  { prefix: "", layout: "position" },
  { prefix: "env", layout: "position" },
];

/** How long a Python `wait_for` that must not see anything is given. */
const QUIET_MS = 300;

const sum = (total: number, message: { data: unknown }): number =>
  total + (message.data as { amount: number }).amount;

describe.skipIf(!hasNats())(
  `Zencastr idioms on both layouts${hasNats() ? "" : ` (skipped: ${natsSkipReason()})`}`,
  { timeout: 30_000 },
  () => {
    let connection: NatsConnection;
    let stores: MessageStore[] = [];

    beforeAll(async () => {
      connection = await natsConnect({ servers: natsUrl() });
    });

    afterEach(async () => {
      await Promise.allSettled(stores.map((store) => store.close()));
      stores = [];
    });

    afterAll(async () => {
      await connection?.drain();
    });

    describe.each(CASES)("prefix $prefix, $layout layout", ({ prefix, layout }) => {
      const python = (): ZencastrClient => new ZencastrClient(connection, prefix);

      async function openStore(): Promise<MessageStore> {
        const store = await connect(natsUrl(), { prefix });
        stores.push(store);
        return store;
      }

      /**
       * A category of its own (a prefix of `""` is shared by every test), made by the side
       * the layout belongs to: Zencastr's `ensure_stream`, or this store.
       */
      async function category(label: string): Promise<string> {
        const name = uniquePrefix(label);
        if (layout === "zencastr") await python().ensureStream(name);
        else await (await openStore()).ensureCategory(name);
        return name;
      }

      /** Python's subject for a TS write's entity: all of it in the zencastr layout, its positions' parent otherwise. */
      const pythonEntity = (name: string, id: string): string =>
        layout === "zencastr" ? `${name}.${id}` : `${name}.${id}.>`;

      it("1. waitFor resolves on a Python publish; Python's wait_for sees what we write", async () => {
        const name = await category("wait");
        const store = await openStore();
        const onStream = store.waitFor(`${name}-44`, (m) => m.type === "Opened", {
          timeoutMs: 10_000,
        });
        const onCategory = store.waitFor(name, (m) => m.type === "Opened", { timeoutMs: 10_000 });
        await python().publishMessage(`${name}.44`, { type: "Opened", data: { by: "python" } });
        for (const found of await Promise.all([onStream, onCategory])) {
          expect(found).toMatchObject({ type: "Opened", streamName: `${name}-44` });
        }

        const zencastr = python();
        const exact = zencastr.waitFor(`${name}.45`, (m) => m.type === "Ran", QUIET_MS * 5);
        const wide = zencastr.waitFor(`${name}.>`, (m) => m.type === "Ran", 10_000);
        await zencastr.flush();
        await store.write(`${name}-45`, { type: "Ran", data: { amount: 1 } });
        expect(await wide).toMatchObject({ type: "Ran", data: { amount: 1 } });
        if (layout === "zencastr") {
          expect(await exact).toMatchObject({ type: "Ran" });
        } else {
          // Our write is on `{name}.45.0`: Python's exact subject never sees it.
          await expect(exact).rejects.toThrow(/Timed out/);
          const under = zencastr.waitFor(`${name}.45.>`, (m) => m.type === "Ran", 10_000);
          await zencastr.flush();
          await store.write(`${name}-45`, { type: "Ran", data: { amount: 2 } });
          expect(await under).toMatchObject({ data: { amount: 2 } });
        }
      });

      it("2. a fresh store writes with expected versions after Python's messages, and reads them right", async () => {
        const name = await category("occ");
        const zencastr = python();
        // Position-layout streams guard each subject: Python gets one message per entity there.
        const pythonCount = layout === "zencastr" ? 2 : 1;
        const acks = [];
        for (let index = 0; index < pythonCount; index += 1) {
          acks.push(
            await zencastr.publishMessage(`${name}.e1`, {
              type: "Deposited",
              data: { amount: 10 + index },
            }),
          );
        }
        const lastAck = acks.at(-1);
        const store = await openStore();
        const stream = `${name}-e1`;
        expect(await store.version(stream)).toBe(pythonCount - 1);
        const last = await store.last(stream);
        expect(last).toMatchObject({
          streamName: stream,
          position: pythonCount - 1,
          globalPosition: lastAck?.seq,
        });
        expect(Math.abs((last?.time.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);

        const written = await store.write(
          stream,
          { type: "Deposited", data: { amount: 5 } },
          { expectedVersion: pythonCount - 1 },
        );
        expect(written.position).toBe(pythonCount);
        const stale = await store
          .write(stream, { type: "Deposited", data: { amount: 6 } }, { expectedVersion: 0 })
          .catch((error: unknown) => error);
        expect(isExpectedVersionError(stale)).toBe(true);
        expect(stale).toMatchObject({ actual: pythonCount });
        expect(
          (await store.write(stream, { type: "Deposited", data: { amount: 7 } })).position,
        ).toBe(pythonCount + 1);

        // Python writes again (no check of its own); the store's cached end is behind now.
        if (layout === "zencastr") {
          await zencastr.publishMessage(`${name}.e1`, { type: "Deposited", data: { amount: 1 } });
          expect(
            (await store.write(stream, { type: "Deposited", data: { amount: 2 } })).position,
          ).toBe(pythonCount + 3);
        }
        const read = await store.get(stream);
        expect(read.map((m) => m.position)).toEqual(read.map((_, index) => index));
        expect(read.slice(0, pythonCount).map((m) => m.globalPosition)).toEqual(
          acks.map((ack) => ack.seq),
        );
        const fresh = await openStore();
        expect(await fresh.version(stream)).toBe(read.length - 1);
      });

      it("3. Python's dead letters are listed, read as their original stream and discarded; ours reach Python's dead-letter consumer", async () => {
        const name = await category("dead");
        const dlq = uniquePrefix("dlq");
        const zencastr = python();
        // Python services need the dead-letter stream to exist; they make it.
        await zencastr.ensureStream(dlq);
        const store = await openStore();
        await store.write(`${name}-7`, { type: "Doomed", data: { amount: 1 } });
        const failing = zencastr.createSubscription(
          `${name}.>`,
          "py_worker",
          {
            Doomed: () => {
              throw new Error("boom");
            },
          },
          { deadLetterSubject: dlq },
        );
        failing.start();
        await eventually(
          "Python's dead letter",
          async () => (await store.deadLetters(dlq)).length > 0,
        );
        await failing.stop();
        const letters = await store.deadLetters(dlq);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({
          streamName: `${name}-7`,
          consumer: undefined,
          attempts: undefined,
          reason: "unknown",
          originalSequence: undefined,
          message: { type: "Doomed", streamName: `${name}-7`, category: name, streamId: "7" },
        });
        const read: RecordedMessage[] = [];
        for await (const message of store.readCategory({ category: dlq })) read.push(message);
        expect(read).toHaveLength(1);
        expect(read[0]).toMatchObject({ streamName: `${name}-7`, category: name, streamId: "7" });
        // Nobody to hand it back to: a re-drive leaves it where it is.
        expect(await store.redrive(dlq)).toEqual([]);
        expect(await store.discardDeadLetter(dlq, letters[0]?.deadLetterPosition ?? 0)).toBe(true);
        expect(await store.deadLetters(dlq)).toEqual([]);

        // Ours, with Ms-* headers, reach a Python consumer of the dead-letter category.
        const seen: ZencastrDelivered[] = [];
        const reader = zencastr.createSubscription(`${dlq}.>`, "py_dlq_reader", {
          Broken: (message) => void seen.push(message),
        });
        reader.start();
        const subscription = store.subscribe(name, {
          consumer: "ts_worker",
          maxAttempts: 1,
          deadLetter: dlq,
          handlers: {
            Broken: () => {
              throw new Error("ours");
            },
          },
        });
        await subscription.start();
        await store.write(`${name}-8`, { type: "Broken", data: { amount: 2 } });
        await eventually("our dead letter at Python's reader", () => seen.length === 1);
        await subscription.stop();
        await reader.stop();
        const ours = layout === "zencastr" ? `${dlq}.${name}.8` : `${dlq}.${name}.8.0`;
        expect(seen[0]).toMatchObject({ type: "Broken", data: { amount: 2 }, subject: ours });
        expect((await store.deadLetters(dlq)).map((record) => record.consumer)).toEqual([
          "ts_worker",
        ]);
      });

      it("4. Python's fetch and subscription read our writes; our fetch and subscription read Python's", async () => {
        const name = await category("fold");
        const store = await openStore();
        await store.write(`${name}-e3`, { type: "Deposited", data: { amount: 3 } });
        await store.write(`${name}-e3`, { type: "Deposited", data: { amount: 4 } });
        const zencastr = python();
        expect(await zencastr.fetch(`${name}.e3`, 0, sum)).toBe(layout === "zencastr" ? 7 : 0);
        expect(await zencastr.fetch(pythonEntity(name, "e3"), 0, sum)).toBe(7);
        expect(await zencastr.fetch(`${name}.>`, 0, sum)).toBe(7);

        const received: ZencastrDelivered[] = [];
        const reader = zencastr.createSubscription(`${name}.>`, "py_reader", {
          Deposited: (message) => void received.push(message),
        });
        reader.start();
        await eventually("Python's subscription got both", () => received.length === 2);
        await reader.stop();
        const subjects =
          layout === "zencastr" ? [`${name}.e3`, `${name}.e3`] : [`${name}.e3.0`, `${name}.e3.1`];
        expect(received.map((message) => message.subject)).toEqual(subjects);

        await zencastr.publishMessage(`${name}.e9`, { type: "Deposited", data: { amount: 20 } });
        const folded = await store.fetch(`${name}-e9`, { init: 0, handlers: { Deposited: sum } });
        expect(folded).toEqual({ state: 20, version: 0 });
        const dispatched: RecordedMessage[] = [];
        const subscription = store.subscribe(name, {
          consumer: "ts_reader",
          handlers: { Deposited: (message) => void dispatched.push(message) },
        });
        await subscription.start();
        await eventually("our subscription got all three", () => dispatched.length === 3);
        await subscription.stop();
        expect(dispatched.map((message) => message.streamName)).toEqual([
          `${name}-e3`,
          `${name}-e3`,
          `${name}-e9`,
        ]);
      });

      it("5. Python's wait_for sees a write the stream refused", async () => {
        const name = await category("refused");
        const store = await openStore();
        await store.write(`${name}-e6`, { type: "Opened", data: { amount: 0 } });
        const zencastr = python();
        const waiting = zencastr.waitFor(
          pythonEntity(name, "e6"),
          (m) => m.type === "Stale",
          10_000,
        );
        await zencastr.flush();
        // Stale: the stream is at version 0. A Zencastr-made stream has no atomic batches.
        const stale =
          layout === "zencastr"
            ? [{ type: "Stale", data: { amount: 1 } }]
            : [
                { type: "Stale", data: { amount: 1 } },
                { type: "Stale", data: { amount: 2 } },
              ];
        // A store that has not seen the entity expects it new and publishes without a look.
        const unaware = await openStore();
        const refused = await unaware
          .write(`${name}-e6`, stale, { expectedVersion: -1 })
          .catch((error: unknown) => error);
        expect(isExpectedVersionError(refused)).toBe(true);
        expect(await waiting).toMatchObject({ type: "Stale", data: { amount: 1 } });
        expect(await store.version(`${name}-e6`)).toBe(0);
      });

      if (layout === "position") {
        it("Python's second message to one entity is refused (10077, a 503 it retries twice)", async () => {
          const name = await category("guard");
          const zencastr = python();
          await zencastr.publishMessage(`${name}.e7`, { type: "First", data: {} });
          const started = Date.now();
          const refusal = await zencastr
            .publishMessage(`${name}.e7`, { type: "Second", data: {} })
            .catch((error: unknown) => error);
          expect(refusal).toBeInstanceOf(ZencastrApiError);
          expect(refusal).toMatchObject({ code: 503, errCode: 10077 });
          // Three attempts, 0.25 s and 0.5 s apart.
          expect(Date.now() - started).toBeGreaterThanOrEqual(700);
        });
      } else {
        it("an array write to a Zencastr-made stream fails clearly and writes nothing", async () => {
          const name = await category("array");
          const store = await openStore();
          const error = await store
            .write(`${name}-1`, [{ type: "A" }, { type: "B" }])
            .catch((caught: unknown) => caught);
          expect(isUnsupportedError(error)).toBe(true);
          expect(String(error)).toMatch(/atomic.*one at a time/);
          expect(await store.version(`${name}-1`)).toBe(-1);
        });
      }
    });
  },
);
