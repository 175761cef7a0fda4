/**
 * Fills a category fast: entity streams of `messagesPerEntity` messages, interleaved
 * (position 0 of every entity, then position 1, …) as production traffic interleaves them.
 * The layout is the store's, so the store reads what this writes.
 *
 * Plain publishes without a reply are pipelined; every `window`-th message is a JetStream
 * publish whose acknowledgement, on the same connection, means the server has stored all
 * before it. That bounds what is in flight and is about ten times faster than awaiting
 * acknowledgements in a window. The count is checked at the end, so nothing is lost unseen.
 */
import { openRaw, type RawClient } from "./clients.ts";
import {
  createCategoryStream,
  encodeSampleBody,
  entitySubject,
  positionSubject,
  storageStreamOf,
} from "./wire.ts";
import type { Environment } from "./workloads/types.ts";

export interface SeedShape {
  readonly entities: number;
  readonly messagesPerEntity: number;
  /** Messages between two acknowledged publishes. */
  readonly window: number;
  /** `false`: every message of an entity on one subject (the shared-subject reference layout). */
  readonly positionSubjects: boolean;
}

export async function seedCategory(
  raw: RawClient,
  prefix: string,
  shape: SeedShape,
): Promise<void> {
  const total = shape.entities * shape.messagesPerEntity;
  let sequence = 0;
  for (let position = 0; position < shape.messagesPerEntity; position++) {
    for (let entity = 0; entity < shape.entities; entity++) {
      const subject = shape.positionSubjects
        ? positionSubject(prefix, entity, position)
        : entitySubject(prefix, entity);
      const body = encodeSampleBody(sequence++);
      // The last one is acknowledged too: a flush only proves the server received the rest.
      if (sequence % shape.window === 0 || sequence === total) {
        await raw.client.publish(subject, body);
      } else raw.connection.publish(subject, body);
    }
  }
  const info = await raw.manager.streams.info(storageStreamOf(prefix));
  if (info.state.messages !== total) {
    throw new Error(`seeding ${prefix}: ${info.state.messages} messages stored, ${total} sent`);
  }
}

/** A raw client on a new category stream of `entities` seeded entities, for a read workload. */
export async function openSeeded(
  environment: Environment,
  prefix: string,
  entities: number,
  positionSubjects: boolean,
): Promise<RawClient> {
  const client = await openRaw(environment.url);
  await createCategoryStream(client.manager, prefix, positionSubjects);
  await seedCategory(client, prefix, {
    entities,
    messagesPerEntity: environment.settings.messagesPerEntity,
    window: environment.settings.seedWindow,
    positionSubjects,
  });
  return client;
}
