/** Raw nats.js access for NATS backend tests: inspecting what the store put on the server. */
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll } from "vitest";
import { connect, type MessageStore, type MessageStoreOptions } from "../../src/index.ts";
import { natsUrl, uniquePrefix } from "../support/nats.ts";

export interface RawNats {
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  close(): Promise<void>;
}

export async function openRawNats(url: string = natsUrl()): Promise<RawNats> {
  const connection = await connectNats({ servers: url });
  const manager = await jetstreamManager(connection);
  return { connection, manager, close: () => connection.close() };
}

export const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

export interface NatsTestBed {
  /** Raw nats.js access, open between `beforeAll` and `afterAll`. */
  readonly raw: () => RawNats;
  /** A store on the shared server with a prefix of its own; closed after the file's tests. */
  readonly open: (options?: MessageStoreOptions) => Promise<MessageStore>;
}

/**
 * Registers the hooks every NATS backend test file needs: one raw connection for inspecting
 * the server, and stores with their own prefixes, all closed at the end.
 */
export function useNatsTestBed(label: string): NatsTestBed {
  let raw: RawNats | undefined;
  const stores: MessageStore[] = [];
  beforeAll(async () => {
    raw = await openRawNats();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await raw?.close();
  });
  return {
    raw: () => {
      if (raw === undefined) throw new Error("the raw NATS connection opens in beforeAll");
      return raw;
    },
    open: async (options = {}) => {
      const store = await connect(natsUrl(), { prefix: uniquePrefix(label), ...options });
      stores.push(store);
      return store;
    },
  };
}
