/**
 * `diagnose()` on NATS: what could lose acknowledged messages or stall a subscription, read
 * from the server (docs/reliability.md says what each finding means and what to change).
 */
import type { ConsumerInfo, StreamInfo } from "@nats-io/jetstream";
import type { NatsConnection, ServerInfo } from "@nats-io/transport-node";
import type { Diagnosis, Finding } from "../../diagnosis.ts";
import { isVersionAtLeast, REQUIRED_SERVER_VERSION } from "./connection.ts";
import type { NatsContext } from "./context.ts";
import { configOf, type StorageConfig } from "./storage.ts";

/** Where the server's settings are published: answered for the system account, or an account that imports it. */
const VARZ_SUBJECT = "$SYS.REQ.SERVER.PING.VARZ";
const VARZ_TIMEOUT_MS = 1500;

export async function diagnoseNats(nats: NatsContext): Promise<Diagnosis> {
  const info = nats.connection.info;
  const clusterSize = clusterSizeOf(info);
  const findings: Finding[] = [serverFinding(info), clusterFinding(info, clusterSize)];
  findings.push(await syncFinding(nats.connection));
  for await (const stream of nats.manager.streams.list()) {
    const categories = (stream.config.subjects ?? [])
      .map((subject) => nats.subjects.categoryOfFilter(subject))
      .filter((category): category is string => category !== undefined);
    const [category] = categories;
    if (category === undefined) continue;
    const storage = configOf(stream.config, nats.subjects.categoryFilter(category));
    const foreign = await foreignEntities(nats, category, storage);
    findings.push(categoryFinding(category, stream, storage, clusterSize, foreign));
    for await (const consumer of nats.manager.consumers.list(stream.config.name)) {
      findings.push(consumerFinding(category, stream, consumer));
    }
  }
  return { backend: "nats", findings };
}

function serverFinding(info: ServerInfo | undefined): Finding {
  const version = info?.version ?? "unknown";
  const supported = isVersionAtLeast(version, REQUIRED_SERVER_VERSION);
  return {
    check: "server",
    subject: info?.server_name ?? "server",
    status: supported ? "ok" : "warning",
    detail: supported
      ? `nats-server ${version}`
      : `nats-server ${version}: the store needs ${REQUIRED_SERVER_VERSION} or newer`,
  };
}

/** How many servers the client knows of: the cluster advertises each member's client URL. */
function clusterSizeOf(info: ServerInfo | undefined): number {
  if (info?.cluster === undefined) return 1;
  return Math.max(1, new Set(info.connect_urls ?? []).size);
}

function clusterFinding(info: ServerInfo | undefined, size: number): Finding {
  if (info?.cluster === undefined) {
    return {
      check: "cluster",
      subject: "server",
      status: "warning",
      detail:
        "a single server, not a cluster: losing its disk loses every message, and nothing fails over; run 3 servers and replicas 3",
    };
  }
  return {
    check: "cluster",
    subject: info.cluster,
    status: size >= 3 ? "ok" : "warning",
    detail:
      size >= 3
        ? `cluster ${info.cluster} advertises ${size} servers`
        : `cluster ${info.cluster} advertises ${size} servers: replicas 3 needs 3`,
  };
}

interface JetStreamSettings {
  readonly sync_always?: boolean;
  readonly sync_interval?: number;
}

/** The server's JetStream sync setting from its varz, when this account may ask for it. */
async function syncFinding(connection: NatsConnection): Promise<Finding> {
  let settings: JetStreamSettings | undefined;
  try {
    const reply = await connection.request(VARZ_SUBJECT, undefined, { timeout: VARZ_TIMEOUT_MS });
    settings = reply.json<{ data?: { jetstream?: { config?: JetStreamSettings } } }>().data
      ?.jetstream?.config;
  } catch {
    settings = undefined;
  }
  if (settings === undefined) {
    return {
      check: "sync",
      subject: "jetstream",
      status: "unknown",
      detail: `cannot read sync_interval: this account may not ask ${VARZ_SUBJECT} (system account, or import the service); check the server config for "sync_interval: always"`,
    };
  }
  if (settings.sync_always === true) {
    return { check: "sync", subject: "jetstream", status: "ok", detail: "sync_interval: always" };
  }
  const seconds = Math.round((settings.sync_interval ?? 120e9) / 1e9);
  return {
    check: "sync",
    subject: "jetstream",
    status: "warning",
    detail: `sync_interval ${seconds}s: writes acknowledged in the last ${seconds}s before a power loss may be lost; set sync_interval: always`,
  };
}

/**
 * How many entities of a position-layout category hold a message on their own subject,
 * `{…}.{category}.{id}`, where this store never writes in that layout: another kind of
 * writer's. Its writes' checks cannot see those (docs/reliability.md, "Other writers in the
 * position layout"). A stream info request, its subjects filtered to that depth (nats.js
 * pages a long list); `0` for categories in the zencastr layout, where every message sits
 * there.
 */
async function foreignEntities(
  nats: NatsContext,
  category: string,
  storage: StorageConfig,
): Promise<number> {
  if (storage.layout !== "position") return 0;
  const filtered = await nats.manager.streams.info(storage.name, {
    subjects_filter: `${nats.subjects.categoryRoot(category)}*`,
  });
  return Object.keys(filtered.state.subjects ?? {}).length;
}

function categoryFinding(
  category: string,
  stream: StreamInfo,
  storage: StorageConfig,
  clusterSize: number,
  foreignEntities: number,
): Finding {
  const { config } = stream;
  const risks: string[] = [];
  if (foreignEntities > 0)
    risks.push(
      `${foreignEntities} entities hold another writer's message on their own subject, which this store's write checks cannot see (give a category shared with such writers the zencastr layout)`,
    );
  const replicas = config.num_replicas ?? 1;
  if (replicas < 3) risks.push(`replicas ${replicas} (a lost server loses or stops it; use 3)`);
  if (replicas > clusterSize) risks.push(`replicas ${replicas} on ${clusterSize} server(s)`);
  if (config.storage !== "file") risks.push("memory storage (lost on restart)");
  if (config.discard !== "new") risks.push("discard old (drops the oldest messages when full)");
  if ((config.max_age ?? 0) > 0) risks.push("max_age set (expires messages)");
  const behind = (stream.cluster?.replicas ?? []).filter(
    (replica) => replica.offline === true || !replica.current,
  );
  if (behind.length > 0) {
    risks.push(`replica(s) ${behind.map((replica) => replica.name).join(", ")} offline or behind`);
  }
  if (stream.cluster !== undefined && (stream.cluster.leader ?? "") === "") {
    risks.push("no leader (writes are refused)");
  }
  const facts = [
    `stream ${config.name}`,
    `replicas ${replicas}`,
    storage.guarded ? "position guard on" : "position guard off (positions checked by headers)",
    `${stream.state.messages} messages`,
  ].join(", ");
  return {
    check: "category",
    subject: category,
    status: risks.length === 0 ? "ok" : "warning",
    detail: risks.length === 0 ? facts : `${facts}; at risk: ${risks.join("; ")}`,
  };
}

function consumerFinding(category: string, stream: StreamInfo, consumer: ConsumerInfo): Finding {
  const risks: string[] = [];
  if (stream.cluster !== undefined && (consumer.cluster?.leader ?? "") === "") {
    risks.push("no leader (no deliveries)");
  }
  const behind = (consumer.cluster?.replicas ?? []).filter(
    (replica) => replica.offline === true || !replica.current,
  );
  if (behind.length > 0) {
    risks.push(`replica(s) ${behind.map((replica) => replica.name).join(", ")} offline or behind`);
  }
  const facts = `pending ${consumer.num_pending}, in flight ${consumer.num_ack_pending}, redelivered ${consumer.num_redelivered}`;
  return {
    check: "consumer",
    subject: `${category}/${consumer.name}`,
    status: risks.length === 0 ? "ok" : "warning",
    detail: risks.length === 0 ? facts : `${facts}; at risk: ${risks.join("; ")}`,
  };
}
