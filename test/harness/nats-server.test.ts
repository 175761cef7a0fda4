import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsSkipReason, startDedicatedServer, uniquePrefix } from "../support/nats.ts";

const started: RunningNatsServer[] = [];
const connections: NatsConnection[] = [];

async function startServer(options: { storeDir?: string } = {}): Promise<RunningNatsServer> {
  const server = await startDedicatedServer(options);
  started.push(server);
  return server;
}

async function open(server: RunningNatsServer): Promise<NatsConnection> {
  const connection = await connect({ servers: server.url, reconnect: false });
  connections.push(connection);
  return connection;
}

/** Makes a file-backed stream and stores `bodies` in it; returns the stream's name. */
async function streamWith(server: RunningNatsServer, bodies: string[]): Promise<string> {
  const connection = await open(server);
  const name = uniquePrefix("harness");
  const manager = await jetstreamManager(connection);
  await manager.streams.add({ name, subjects: [`${name}.>`] });
  for (const body of bodies) await jetstream(connection).publish(`${name}.entity`, body);
  await connection.close();
  return name;
}

async function storedBodies(server: RunningNatsServer, name: string): Promise<string[]> {
  const manager = await jetstreamManager(await open(server));
  const { state } = await manager.streams.info(name);
  const bodies: string[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const message = await manager.streams.getMessage(name, { seq });
    if (message !== null) bodies.push(message.string());
  }
  return bodies;
}

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

describe.skipIf(!hasNats())(`nats-server runner ${natsSkipReason()}`, () => {
  it("starts a JetStream server on a free port and reports its version", async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const connection = await open(server);
    expect(connection.info?.version).toBe(server.version);
    const account = await (await jetstreamManager(connection)).getAccountInfo();
    expect(account.streams).toBe(0);
  });

  it("restarts on the same port and keeps a stream's messages", async () => {
    const server = await startServer();
    const name = await streamWith(server, ["one", "two", "three"]);
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    expect(await storedBodies(server, name)).toEqual(["one", "two", "three"]);
  });

  it("kill ends the server at once, and restart brings it back with its streams", async () => {
    const server = await startServer();
    const name = await streamWith(server, ["kept"]);
    await server.kill();
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow();
    await server.restart();
    const manager = await jetstreamManager(await open(server));
    expect((await manager.streams.info(name)).config.subjects).toEqual([`${name}.>`]);
  });

  it("stop removes a store directory it made, and keeps one it was given", async () => {
    const ownStore = await startServer();
    await ownStore.stop();
    expect(existsSync(ownStore.storeDir)).toBe(false);

    const givenDir = await mkdtemp(join(tmpdir(), "harness-store-"));
    try {
      const givenStore = await startServer({ storeDir: givenDir });
      await givenStore.stop();
      expect(existsSync(givenDir)).toBe(true);
      await expect(givenStore.restart()).rejects.toThrow(/stopped/);
    } finally {
      await rm(givenDir, { recursive: true, force: true });
    }
  });
});
