import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, isUnsupportedServerError, UnsupportedServerError } from "../../src/index.ts";
import { findOldNatsServer } from "../../src/server/find-nats-server.ts";
import { type RunningNatsServer, startNatsServer } from "../../src/server/run-nats-server.ts";

// Optional by DESIGN: it runs only when a nats-server older than 2.12 can be had.
const oldBinary = await findOldNatsServer({
  log: (line) => console.log(`[old nats-server] ${line}`),
});
const skipReason = oldBinary === undefined ? " (skipped: no nats-server < 2.12 could be had)" : "";

describe.skipIf(oldBinary === undefined)(`connecting to an old nats-server${skipReason}`, () => {
  let server: RunningNatsServer;

  beforeAll(async () => {
    if (oldBinary === undefined) return;
    server = await startNatsServer({ binary: oldBinary.path });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("fails at connect with UnsupportedServerError naming both versions", async () => {
    const error: unknown = await connect(server.url).then(
      async (store) => {
        await store.close();
        return undefined;
      },
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(UnsupportedServerError);
    expect(isUnsupportedServerError(error)).toBe(true);
    expect(String((error as Error).message)).toContain(server.version);
    expect(String((error as Error).message)).toContain("2.12");
  });
});
