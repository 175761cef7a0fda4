/**
 * W3: read one whole 100-message entity out of a seeded, interleaved category.
 * - raw: one batched direct get, `multi_last` over the entity's position subjects.
 * - raw-shared (reference): the shared-subject layout, read by a direct-get scan
 *   (`next_by_subj`), which walks the category between the entity's messages.
 * - store: `get(stream)`.
 * - store-zencastr (reference): `get(stream)` on the same shared-subject category, marked as
 *   the zencastr layout (DESIGN §8): what a category shared with Zencastr services costs.
 * Every variant decodes the JSON bodies, as a reader must. W7 reuses this at other sizes.
 */
import type { MessageStore } from "message-store";
import { openStore, type RawClient, randomEntities } from "../clients.ts";
import { openSeeded } from "../seed.ts";
import type { Settings } from "../settings.ts";
import { latencies, nowMs } from "../stats.ts";
import { CATEGORY, entitySubject, storageStreamOf, streamNameOf } from "../wire.ts";
import type { Runner, Variant, Workload } from "./types.ts";

const decoder = new TextDecoder();

/** Times `read` for each picked entity and checks it returned the whole entity. */
async function timeReads(
  settings: Settings,
  entities: number,
  repetition: number,
  read: (entity: number) => Promise<number>,
  reads: number = settings.reads,
): Promise<ReturnType<typeof latencies>> {
  const picks = randomEntities(reads, entities, repetition + 7);
  const samples: number[] = [];
  const started = nowMs();
  for (const entity of picks) {
    const before = nowMs();
    const count = await read(entity);
    samples.push(nowMs() - before);
    if (count !== settings.messagesPerEntity) {
      throw new Error(
        `entity ${entity}: read ${count} messages, expected ${settings.messagesPerEntity}`,
      );
    }
  }
  return latencies(samples, nowMs() - started);
}

/** Decodes every body, as a reader must; returns how many there were. */
async function decodeAll(messages: AsyncIterable<{ data: Uint8Array }>): Promise<number> {
  const bodies: unknown[] = [];
  for await (const message of messages) bodies.push(JSON.parse(decoder.decode(message.data)));
  return bodies.length;
}

/** A raw nats.js read variant: seeds its category in `positionSubjects` layout or not, then times `read`. */
function rawReads(
  name: string,
  positionSubjects: boolean,
  entities: (settings: Settings) => number,
  read: (client: RawClient, storage: string, prefix: string, entity: number) => Promise<number>,
  reads?: (settings: Settings) => number,
): Variant {
  return {
    name,
    system: "raw",
    reference: !positionSubjects,
    async open(environment, prefix) {
      const count = entities(environment.settings);
      const client = await openSeeded(environment, prefix, count, positionSubjects);
      const storage = storageStreamOf(prefix);
      return {
        run: (repetition) =>
          timeReads(
            environment.settings,
            count,
            repetition,
            (entity) => read(client, storage, prefix, entity),
            reads?.(environment.settings),
          ),
        close: () => client.connection.close(),
      };
    },
  };
}

function rawMultiLast(entities: (settings: Settings) => number): Variant {
  return rawReads("raw", true, entities, async (client, storage, prefix, entity) => {
    const messages = await client.manager.direct.getLastMessagesFor(storage, {
      multi_last: [`${prefix}.${CATEGORY}.${entity}.*`],
    });
    return decodeAll(messages);
  });
}

/** The scan walks the category, so the reference variant reads fewer entities to keep the run short. */
function scanReads(settings: Settings): number {
  return Math.max(20, Math.ceil(settings.reads / 10));
}

function rawSharedScan(entities: (settings: Settings) => number): Variant {
  return rawReads(
    "raw-shared",
    false,
    entities,
    async (client, storage, prefix, entity) => {
      // `next_by_subj` is accepted by the server but missing from the 3.4 typings.
      const request = { seq: 1, batch: 1024, next_by_subj: entitySubject(prefix, entity) };
      return decodeAll(await client.manager.direct.getBatch(storage, request));
    },
    scanReads,
  );
}

/** Also used by W6 on the memory backend. */
export function storeReadRunner(
  messageStore: MessageStore,
  settings: Settings,
  entities: number,
  cleanup: () => Promise<void>,
  reads?: number,
): Runner {
  return {
    run: (repetition) =>
      timeReads(
        settings,
        entities,
        repetition,
        async (entity) => (await messageStore.get(streamNameOf(entity))).length,
        reads,
      ),
    close: async () => {
      await messageStore.close();
      await cleanup();
    },
  };
}

function store(entities: (settings: Settings) => number): Variant {
  return {
    name: "store",
    system: "store",
    reference: false,
    async open(environment, prefix) {
      const count = entities(environment.settings);
      const client = await openSeeded(environment, prefix, count, true);
      const messageStore = await openStore(environment.url, prefix);
      return storeReadRunner(messageStore, environment.settings, count, () =>
        client.connection.close(),
      );
    },
  };
}

/** The metadata mark that puts a category in the zencastr layout (src/backends/nats/storage.ts). */
const LAYOUT_METADATA_KEY = "message-store.layout";

function storeZencastr(entities: (settings: Settings) => number): Variant {
  return {
    name: "store-zencastr",
    system: "store",
    reference: true,
    async open(environment, prefix) {
      const count = entities(environment.settings);
      const client = await openSeeded(environment, prefix, count, false);
      const storage = storageStreamOf(prefix);
      const { config } = await client.manager.streams.info(storage);
      await client.manager.streams.update(storage, {
        ...config,
        metadata: { ...config.metadata, [LAYOUT_METADATA_KEY]: "zencastr" },
      });
      const messageStore = await openStore(environment.url, prefix);
      return storeReadRunner(
        messageStore,
        environment.settings,
        count,
        () => client.connection.close(),
        scanReads(environment.settings),
      );
    },
  };
}

/** The read workload over a category of `entities(settings)` entities. */
export function readWorkload(
  id: string,
  title: string,
  entities: (settings: Settings) => number,
  withReference: boolean,
): Workload {
  const variants = [rawMultiLast(entities), store(entities)];
  return {
    id,
    title,
    metric: "latency",
    variants: withReference
      ? [
          variants[0] as Variant,
          rawSharedScan(entities),
          variants[1] as Variant,
          storeZencastr(entities),
        ]
      : variants,
  };
}

export const w3: Workload = readWorkload(
  "W3",
  "read one 100-message entity",
  (settings) => settings.entities,
  true,
);
