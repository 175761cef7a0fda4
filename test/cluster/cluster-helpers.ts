/**
 * What the cluster proofs share: a 3-node cluster on loopback, finding a stream's or a
 * consumer's leader, killing it or asking it to step down through the JetStream API.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import { inject } from "vitest";
import { type RunningNatsCluster, startNatsCluster } from "../../src/server/run-nats-cluster.ts";

export interface ClusterBed {
  readonly cluster: RunningNatsCluster;
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  stop(): Promise<void>;
}

/** Starts 3 nodes and waits until JetStream has a meta leader, so streams can be placed. */
export async function startClusterBed(): Promise<ClusterBed> {
  const binary = inject("natsServerBin");
  if (binary === "") throw new Error("no nats-server for this run");
  const cluster = await startNatsCluster({ binary, size: 3 });
  const connection = await connectNats({
    servers: cluster.url.split(","),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  const manager = await jetstreamManager(connection, { timeout: 2000, checkAPI: false });
  await untilAnswers(() => manager.getAccountInfo(), 30_000);
  return {
    cluster,
    connection,
    manager,
    async stop() {
      await connection.close();
      await cluster.stop();
    },
  };
}

/** Calls `work` until it resolves, or throws its last error after `timeoutMs`. */
export async function untilAnswers<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** The server name of the stream's leader, once it has one. */
export function streamLeader(manager: JetStreamManager, stream: string): Promise<string> {
  return untilAnswers(async () => {
    const leader = (await manager.streams.info(stream)).cluster?.leader;
    if (leader === undefined || leader === "") throw new Error(`stream ${stream} has no leader`);
    return leader;
  }, 30_000);
}

/** The server name of the consumer's leader, once it has one. */
export function consumerLeader(
  manager: JetStreamManager,
  stream: string,
  consumer: string,
): Promise<string> {
  return untilAnswers(async () => {
    const leader = (await manager.consumers.info(stream, consumer)).cluster?.leader;
    if (leader === undefined || leader === "")
      throw new Error(`consumer ${consumer} has no leader`);
    return leader;
  }, 30_000);
}

/** Asks the stream's leader to hand over (`$JS.API.STREAM.LEADER.STEPDOWN`). */
export async function stepDownStream(connection: NatsConnection, stream: string): Promise<void> {
  await apiRequest(connection, `$JS.API.STREAM.LEADER.STEPDOWN.${stream}`);
}

/** Asks the consumer's leader to hand over (`$JS.API.CONSUMER.LEADER.STEPDOWN`). */
export async function stepDownConsumer(
  connection: NatsConnection,
  stream: string,
  consumer: string,
): Promise<void> {
  await apiRequest(connection, `$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}`);
}

async function apiRequest(connection: NatsConnection, subject: string): Promise<void> {
  const reply = await connection.request(subject, undefined, { timeout: 5000 });
  const answer = reply.json<{ success?: boolean; error?: { description?: string } }>();
  if (answer.success !== true) {
    throw new Error(`${subject} failed: ${answer.error?.description ?? "no success"}`);
  }
}

/** The quick profile runs in CI; `MSTORE_CLUSTER_LONG=1` runs more rounds and more messages. */
export const longProfile: boolean = process.env.MSTORE_CLUSTER_LONG === "1";
