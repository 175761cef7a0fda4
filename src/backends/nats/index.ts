// Placeholder until the NATS backend lands.
import type { NatsConnection } from "@nats-io/transport-node";
import type { Backend } from "../../backend.ts";
import type { ResolvedOptions } from "../../options.ts";

export async function connectNatsBackend(
  _servers: string[],
  _options: ResolvedOptions,
): Promise<Backend> {
  throw new Error("NATS backend not built yet");
}

export function natsBackendFromConnection(
  _connection: NatsConnection,
  _options: ResolvedOptions,
): Backend {
  throw new Error("NATS backend not built yet");
}
