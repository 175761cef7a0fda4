/**
 * A JetStream cluster of nats-servers on loopback, for tests that kill or step down leaders.
 * Each node is a `RunningNatsServer` (so it can be killed and restarted on its own port and
 * store); the nodes find each other through routes on cluster ports chosen up front, since
 * every node must name the others' before any of them starts.
 */
import { createServer } from "node:net";
import {
  type RunningNatsServer,
  type StartNatsServerOptions,
  startNatsServer,
} from "./run-nats-server.ts";

export interface StartNatsClusterOptions {
  readonly binary: string;
  /** @default 3 */
  readonly size?: number;
  /** @default "mstore" */
  readonly name?: string;
  /** More flags for every node. */
  readonly extraArgs?: readonly string[];
  /** @see StartNatsServerOptions.readyTimeoutMs */
  readonly readyTimeoutMs?: number;
}

export interface RunningNatsCluster {
  /** Every node's client URL, comma-separated: what `connect()` takes. */
  readonly url: string;
  readonly nodes: readonly RunningNatsServer[];
  /** The node whose JetStream server name is `name` (`n1`, `n2`…). */
  node(name: string): RunningNatsServer;
  /** Stops every node. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/** A port nobody listens on right now (the OS picks it); the caller binds it soon after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The JetStream server name of node `index` (0-based). */
export function clusterNodeName(index: number): string {
  return `n${index + 1}`;
}

/** Starts `size` nodes side by side and resolves once each accepts client connections. */
export async function startNatsCluster(
  options: StartNatsClusterOptions,
): Promise<RunningNatsCluster> {
  const size = options.size ?? 3;
  const clusterPorts: number[] = [];
  for (let index = 0; index < size; index += 1) clusterPorts.push(await freePort());
  const routes = clusterPorts.map((port) => `nats-route://${HOST}:${port}`).join(",");
  const started = await Promise.allSettled(
    clusterPorts.map((clusterPort, index) => {
      const nodeOptions: StartNatsServerOptions = {
        binary: options.binary,
        host: HOST,
        extraArgs: [
          ...["--server_name", clusterNodeName(index)],
          ...["--cluster_name", options.name ?? "mstore"],
          ...["--cluster", `nats://${HOST}:${clusterPort}`],
          ...["--routes", routes],
          ...(options.extraArgs ?? []),
        ],
        ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
      };
      return startNatsServer(nodeOptions);
    }),
  );
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw failed.reason;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: nodes.map((node) => node.url).join(","),
    nodes,
    node(name) {
      const index = Number(name.slice(1)) - 1;
      const found = nodes[index];
      if (found === undefined || clusterNodeName(index) !== name) {
        throw new Error(`no cluster node named ${name}`);
      }
      return found;
    },
    stop() {
      stopping ??= Promise.all(nodes.map((node) => node.stop())).then(() => undefined);
      return stopping;
    },
  };
}
