/** Connections for the two systems: raw nats.js, and the store through its public API. */
import { type JetStreamClient, type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import type { MessageStore } from "message-store";

export interface RawClient {
  readonly connection: NatsConnection;
  readonly client: JetStreamClient;
  readonly manager: JetStreamManager;
}

export async function openRaw(url: string): Promise<RawClient> {
  // The best raw code turns off nats.js's per-request stack traces, as the store does.
  const connection = await connectNats({ servers: url, noAsyncTraces: true });
  const client = jetstream(connection);
  return { connection, client, manager: await client.jetstreamManager() };
}

/**
 * Loaded on first use, so that `--system raw` runs even while the store does not load.
 * `url` may be `"memory:"`.
 */
export async function openStore(url: string, prefix: string): Promise<MessageStore> {
  const { connect } = await import("message-store");
  return connect(url, { prefix });
}

/** Picks entity numbers uniformly; seeded so that runs are repeatable. */
export function randomEntities(count: number, entities: number, seed = 1): number[] {
  let state = seed >>> 0 || 1;
  const picks: number[] = [];
  for (let index = 0; index < count; index++) {
    // xorshift32: cheap, and the same sequence for every system.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    picks.push(state % entities);
  }
  return picks;
}
