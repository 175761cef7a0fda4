/**
 * A TCP proxy between a client and a real nats-server that can hold what the server sends
 * back. While holding, the client's publishes still reach the server and are stored, but
 * their replies do not come back: the client sees a timeout for a write that landed, which
 * is how a lost reply looks in production. `release()` lets the held bytes through.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export interface ReplyHoldingProxy {
  /** `nats://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** From now on, keep the server's bytes instead of passing them to the client. */
  hold(): void;
  /** Pass everything held, then pass through again. */
  release(): void;
  close(): Promise<void>;
}

export async function startReplyHoldingProxy(serverUrl: string): Promise<ReplyHoldingProxy> {
  const target = new URL(serverUrl);
  const pairs = new Set<[Socket, Socket]>();
  let holding = false;
  const held: [Socket, Buffer][] = [];

  const proxy: Server = createServer((client) => {
    const server = tcpConnect(Number(target.port), target.hostname);
    const pair: [Socket, Socket] = [client, server];
    pairs.add(pair);
    client.on("data", (chunk) => server.write(chunk));
    server.on("data", (chunk) => {
      if (holding) held.push([client, chunk]);
      else client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    server.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");

  return {
    url: `nats://127.0.0.1:${address.port}`,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const [client, chunk] of held.splice(0)) if (!client.destroyed) client.write(chunk);
    },
    async close() {
      for (const [client, server] of pairs) {
        client.destroy();
        server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
