/**
 * W11 (issue 15): entities. Loading an entity should cost one round trip when it is cached,
 * and a long entity with snapshots should load about as fast as a short one.
 * - W11-cached: fetch of a cached, unchanged 100-message entity, against one raw direct get
 *   of the entity's last subject (`last_by_subj` on `{…}.acct.{n}.*`) and an uncached fetch.
 * - W11-moved: the same after one new event was written by another connection (untimed).
 * - W11-snapshot: a cold fetch of a 10,000-event entity whose snapshot is 99 events old (the
 *   worst case with a snapshot every 100), against an uncached fetch of a 100-event entity.
 * - W11-handle: `handle` with 8 concurrent callers, on one entity and over 1,000 entities.
 */
import { randomUUID } from "node:crypto";
import type { EntityOptions, EntityStore, MessageStore, RecordedMessage } from "message-store";
import { openRaw, openStore, type RawClient, randomEntities } from "../clients.ts";
import { openSeeded, seedCategory } from "../seed.ts";
import type { Settings } from "../settings.ts";
import { latencies, nowMs, percentile } from "../stats.ts";
import {
  CATEGORY,
  createCategoryStream,
  encodeSampleBody,
  positionSubject,
  storageStreamOf,
  streamNameOf,
} from "../wire.ts";
import type { Measurement, Variant, Workload } from "./types.ts";

interface Balance {
  readonly balance: number;
}

type Deposited = RecordedMessage<"Deposited", { amount: number }>;

const accounts: EntityOptions<Balance, Deposited> = {
  category: CATEGORY,
  init: { balance: 0 },
  handlers: { Deposited: (state, event) => ({ balance: state.balance + event.data.amount }) },
};

/** The long entity of W11-snapshot, and where its snapshot is. */
const LONG_ENTITY_EVENTS = 10_000;
const SNAPSHOT_EVERY = 100;
const LONG_ENTITY = 0;

/** Times `load` for `reads` picked entities; `before` runs untimed ahead of each. */
async function timeLoads(
  picks: readonly number[],
  load: (entity: number) => Promise<unknown>,
  before?: (entity: number) => Promise<unknown>,
): Promise<Measurement> {
  const samples: number[] = [];
  let total = 0;
  for (const entity of picks) {
    await before?.(entity);
    const started = nowMs();
    await load(entity);
    const took = nowMs() - started;
    samples.push(took);
    total += took;
  }
  return latencies(samples, total);
}

function picksOf(settings: Settings, repetition: number): number[] {
  return randomEntities(settings.reads, settings.entities, repetition + 11);
}

/** One more event on `entity`, written by a raw connection the store does not know about. */
async function appendRaw(raw: RawClient, prefix: string, entity: number): Promise<void> {
  const wildcard = `${prefix}.${CATEGORY}.${entity}.*`;
  const last = await raw.manager.direct.getMessage(storageStreamOf(prefix), {
    last_by_subj: wildcard,
  });
  const position =
    last === null ? 0 : Number(last.subject.slice(last.subject.lastIndexOf(".") + 1)) + 1;
  await raw.client.publish(positionSubject(prefix, entity, position), encodeSampleBody(position));
}

function rawLastGet(moved: boolean): Variant {
  return {
    name: "raw",
    system: "raw",
    reference: false,
    async open(environment, prefix) {
      const raw = await openSeeded(environment, prefix, environment.settings.entities, true);
      const storage = storageStreamOf(prefix);
      return {
        run: (repetition) =>
          timeLoads(
            picksOf(environment.settings, repetition),
            async (entity) => {
              const last = await raw.manager.direct.getMessage(storage, {
                last_by_subj: `${prefix}.${CATEGORY}.${entity}.*`,
              });
              if (last === null) throw new Error(`entity ${entity} has no messages`);
              return JSON.parse(new TextDecoder().decode(last.data));
            },
            moved ? (entity) => appendRaw(raw, prefix, entity) : undefined,
          ),
        close: () => raw.connection.close(),
      };
    },
  };
}

/** An entity fetch variant over the seeded category: `fetch(store, entities, entity)` is what is timed. */
function storeLoads(
  name: string,
  reference: boolean,
  moved: boolean,
  fetch: (
    store: MessageStore,
    entities: EntityStore<Balance, Deposited>,
    entity: number,
  ) => Promise<unknown>,
): Variant {
  return {
    name,
    system: "store",
    reference,
    async open(environment, prefix) {
      const raw = await openSeeded(environment, prefix, environment.settings.entities, true);
      const store = await openStore(environment.url, prefix);
      const entities = store.entities({
        ...accounts,
        cache: { maxEntries: environment.settings.entities },
      });
      // Every entity cached before the first timed fetch.
      for (let entity = 0; entity < environment.settings.entities; entity += 1) {
        await entities.fetch(String(entity));
      }
      return {
        run: (repetition) =>
          timeLoads(
            picksOf(environment.settings, repetition),
            (entity) => fetch(store, entities, entity),
            moved ? (entity) => appendRaw(raw, prefix, entity) : undefined,
          ),
        close: async () => {
          await store.close();
          await raw.connection.close();
        },
      };
    },
  };
}

const cachedFetch = (
  _store: MessageStore,
  entities: EntityStore<Balance, Deposited>,
  entity: number,
) => entities.fetch(String(entity));
const uncachedFetch = (
  store: MessageStore,
  _entities: EntityStore<Balance, Deposited>,
  entity: number,
) =>
  store.fetch(streamNameOf(entity), {
    init: { balance: 0 },
    handlers: {
      Deposited: (state: Balance, event: RecordedMessage) => ({
        balance: state.balance + Number((event.data as { amount: number }).amount),
      }),
    },
  });

export const w10Cached: Workload = {
  id: "W11-cached",
  title: "fetch a cached, unchanged 100-message entity",
  metric: "latency",
  variants: [
    rawLastGet(false),
    storeLoads("store-cached", false, false, cachedFetch),
    storeLoads("store-uncached", true, false, uncachedFetch),
  ],
};

export const w10Moved: Workload = {
  id: "W11-moved",
  title: "fetch a cached 100-message entity after one new event",
  metric: "latency",
  variants: [rawLastGet(true), storeLoads("store-cached", false, true, cachedFetch)],
};

/** Cold fetches of one 10,000-event entity whose snapshot is 99 events behind. */
const snapshotCold: Variant = {
  name: "store-snapshot",
  system: "store",
  reference: false,
  async open(environment, prefix) {
    const raw = await openRaw(environment.url);
    await createCategoryStream(raw.manager, prefix, true);
    const snapshotAt = LONG_ENTITY_EVENTS - SNAPSHOT_EVERY;
    await seedCategory(raw, prefix, {
      entities: 1,
      messagesPerEntity: snapshotAt + 1,
      window: environment.settings.seedWindow,
      positionSubjects: true,
    });
    const store = await openStore(environment.url, prefix);
    const snapshot = { every: SNAPSHOT_EVERY, version: 1 };
    const writer = store.entities({ ...accounts, snapshot });
    await writer.fetch(String(LONG_ENTITY));
    await writer.flush();
    for (let position = snapshotAt + 1; position < LONG_ENTITY_EVENTS; position += 1) {
      await raw.client.publish(
        positionSubject(prefix, LONG_ENTITY, position),
        encodeSampleBody(position),
      );
    }
    // No cache: every fetch is cold, reading the snapshot and the 99 events after it.
    const cold = store.entities({ ...accounts, snapshot, cache: false });
    return {
      run: async () => {
        const picks = Array.from({ length: environment.settings.reads }, () => LONG_ENTITY);
        const measured = await timeLoads(picks, async () => {
          const { version } = await cold.fetch(String(LONG_ENTITY));
          if (version !== LONG_ENTITY_EVENTS - 1)
            throw new Error(`cold fetch gave version ${version}`);
        });
        return measured;
      },
      close: async () => {
        await store.close();
        await raw.connection.close();
      },
    };
  },
};

export const w10Snapshot: Workload = {
  id: "W11-snapshot",
  title: "cold fetch of a 10,000-event entity, snapshot every 100 (99 behind)",
  metric: "latency",
  variants: [snapshotCold, storeLoads("store-uncached-100", true, false, uncachedFetch)],
};

/** `handle` with 8 callers at a time over `entities` entities, each a deposit. */
function handleVariant(name: string, entityCount: (settings: Settings) => number): Variant {
  return {
    name,
    system: "store",
    reference: false,
    async open(environment, prefix) {
      const raw = await openRaw(environment.url);
      await createCategoryStream(raw.manager, prefix, true);
      const store = await openStore(environment.url, prefix);
      const count = entityCount(environment.settings);
      const entities = store.entities({ ...accounts, cache: { maxEntries: count } });
      const deposit = (entity: number) =>
        entities.handle(
          String(entity),
          { id: randomUUID(), type: "Deposit", data: { amount: 1 } },
          {
            decide: (command) => ({ type: "Deposited", data: { amount: command.data.amount } }),
          },
        );
      for (let entity = 0; entity < count; entity += 1) await deposit(entity);
      const handles = environment.settings.mode === "full" ? 4000 : 400;
      return {
        async run(repetition): Promise<Measurement> {
          const picks = randomEntities(handles, count, repetition + 3);
          const samples: number[] = [];
          let next = 0;
          const started = nowMs();
          const caller = async (): Promise<void> => {
            while (next < picks.length) {
              const entity = picks[next++] as number;
              const before = nowMs();
              await deposit(entity);
              samples.push(nowMs() - before);
            }
          };
          await Promise.all(Array.from({ length: 8 }, caller));
          const seconds = (nowMs() - started) / 1000;
          return {
            operations: samples.length,
            seconds,
            p50Ms: percentile(samples, 0.5),
            p99Ms: percentile(samples, 0.99),
          };
        },
        close: async () => {
          await store.close();
          await raw.connection.close();
        },
      };
    },
  };
}

export const w10Handle: Workload = {
  id: "W11-handle",
  title: "handle with 8 concurrent callers",
  metric: "throughput",
  variants: [handleVariant("one-entity", () => 1), handleVariant("1000-entities", () => 1000)],
};

export const w10: readonly Workload[] = [w10Cached, w10Moved, w10Snapshot, w10Handle];
