/**
 * The benchmark's own nats-server: found (or fetched) like the test suite's, on a free port,
 * with a temporary file store removed at the end. Both systems run against this one server.
 */
import { findNatsServer } from "../src/server/find-nats-server.ts";
import { type RunningNatsServer, startNatsServer } from "../src/server/run-nats-server.ts";

export async function startBenchServer(log: (line: string) => void): Promise<RunningNatsServer> {
  const binary = await findNatsServer({ log });
  return startNatsServer({ binary: binary.path });
}
