/** Raw nats.js access for NATS backend tests: inspecting what the store put on the server. */
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsUrl } from "../support/nats.ts";

export interface RawNats {
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  close(): Promise<void>;
}

export async function openRawNats(url: string = natsUrl()): Promise<RawNats> {
  const connection = await connect({ servers: url });
  const manager = await jetstreamManager(connection);
  return { connection, manager, close: () => connection.close() };
}

export const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
