/**
 * Consumer administration on NATS: resetting a durable (delete and recreate it at the new
 * start), and its progress from the server's consumer info. Only durables are listed: not
 * the ephemeral consumers of live feeds, nor the internal re-drive durables (redrive.ts).
 */
import type { ConsumerInfo as JetStreamConsumerInfo } from "@nats-io/jetstream";
import type { ConsumerInfo, StartAt } from "../../backend.ts";
import { DEFAULT_ACK_WAIT_MS } from "../../consumer-rules.ts";
import { StreamNotFoundError } from "../../errors.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import { listCategories } from "./categories.ts";
import { durableConsumerConfig } from "./consumer.ts";
import type { NatsContext } from "./context.ts";
import { isConsumerGone } from "./jetstream-errors.ts";
import { REDRIVE_TOKEN } from "./subjects.ts";

/**
 * `undefined` when the server says the consumer (or its stream) does not exist; any other
 * failure (no answer while the server is away) is thrown, not mistaken for a missing consumer.
 */
function notFoundAsUndefined(error: unknown): undefined {
  if (isConsumerGone(error)) return undefined;
  throw error;
}

/**
 * Deletes the durable and creates it again at `startAt`, keeping its ack wait. nats-server
 * 2.11+ could reset a consumer in place; deleting works on every supported server. Any
 * subscription still running on it sees its consumer vanish and recreates it (from the
 * beginning), which is why callers stop them first.
 */
export async function resetNatsConsumer(
  nats: NatsContext,
  target: ParsedTarget,
  consumer: string,
  startAt: StartAt,
): Promise<void> {
  const storage = await nats.storageFor(target.category, true);
  if (storage === undefined)
    throw new StreamNotFoundError(nats.subjects.storageName(target.category));
  const existing = await nats.manager.consumers.info(storage, consumer).catch(notFoundAsUndefined);
  if (existing !== undefined) await nats.manager.consumers.delete(storage, consumer);
  const config = durableConsumerConfig(
    { target, consumer, batchSize: 1, ackWaitMs: DEFAULT_ACK_WAIT_MS, startAt },
    nats.subjects.targetFilters(target),
  );
  if (existing?.config.ack_wait !== undefined) config.ack_wait = existing.config.ack_wait;
  await nats.manager.consumers.add(storage, config);
}

/** The stream a durable's filters name, or `undefined` for the whole category. */
function streamOf(
  nats: NatsContext,
  category: string,
  info: JetStreamConsumerInfo,
): string | undefined {
  const filters = info.config.filter_subjects ?? [info.config.filter_subject ?? ""];
  const first = filters[0] ?? "";
  if (first === "" || first.endsWith(".>")) return undefined;
  const { id } = nats.subjects.parse(category, first);
  return id === undefined ? undefined : `${category}-${id}`;
}

function infoOf(nats: NatsContext, category: string, info: JetStreamConsumerInfo): ConsumerInfo {
  const pending = info.num_pending;
  const inFlight = info.num_ack_pending;
  return {
    consumer: info.name,
    category,
    stream: streamOf(nats, category, info),
    pending,
    inFlight,
    redelivered: info.num_redelivered,
    lastHandledGlobalPosition: info.ack_floor.stream_seq,
    lag: pending + inFlight,
  };
}

export async function natsConsumerInfo(
  nats: NatsContext,
  target: ParsedTarget,
  consumer: string,
): Promise<ConsumerInfo | undefined> {
  const storage = await nats.catalog.lookup(target.category);
  if (storage === undefined) return undefined;
  const info = await nats.manager.consumers.info(storage.name, consumer).catch(notFoundAsUndefined);
  return info === undefined ? undefined : infoOf(nats, target.category, info);
}

const isRedriveDurable = (info: JetStreamConsumerInfo): boolean =>
  (info.config.filter_subjects ?? [info.config.filter_subject ?? ""]).some((filter) =>
    filter.includes(`.${REDRIVE_TOKEN}.`),
  );

export async function natsConsumers(
  nats: NatsContext,
  category: string | undefined,
): Promise<ConsumerInfo[]> {
  const places: { category: string; storage: string }[] = [];
  if (category === undefined) {
    for (const stats of await listCategories(nats.manager, nats.subjects)) {
      places.push({ category: stats.category, storage: stats.storage });
    }
  } else {
    const storage = await nats.catalog.lookup(category);
    if (storage !== undefined) places.push({ category, storage: storage.name });
  }
  const found: ConsumerInfo[] = [];
  for (const place of places) {
    const categoryFilter = nats.subjects.categoryRoot(place.category);
    for await (const info of nats.manager.consumers.list(place.storage)) {
      const filters = info.config.filter_subjects ?? [info.config.filter_subject ?? ""];
      // Only durables: the ephemeral consumers of `tail`, `waitFor` and reads outlive their
      // feed until the server's inactivity timeout. A stream shared by several categories:
      // each lists only its own consumers.
      if (
        info.config.durable_name === undefined ||
        isRedriveDurable(info) ||
        !filters.some((filter) => filter.startsWith(categoryFilter))
      )
        continue;
      found.push(infoOf(nats, place.category, info));
    }
  }
  return found;
}
