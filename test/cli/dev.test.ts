// `mstore dev`: a local nats-server in the foreground, with a store that outlives it.
import { spawn } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { addToCache } from "../../src/server/binary-cache.ts";
import { hasNats, startDedicatedServer } from "../support/nats.ts";
import { cleanEnv, finished, MAIN, parseLines, runCli, startCli, waitForLine } from "./run-cli.ts";

describe("mstore dev without a nats-server", () => {
  it("says how to install one when it cannot fetch one (no apt-get)", async () => {
    const cache = await mkdtemp(join(tmpdir(), "mstore-xdg-"));
    const emptyPath = await mkdtemp(join(tmpdir(), "mstore-path-"));
    const env = cleanEnv({ PATH: emptyPath, XDG_CACHE_HOME: cache });
    delete env.NATS_SERVER_BIN;
    const result = await runCli(["dev", "--port", "0"], { env });
    expect(result).toMatchObject({ code: 1, stdout: "" });
    const cacheDir = join(cache, "message-store", "nats-server");
    expect(result.stderr).toContain(
      `NatsServerNotFoundError: no nats-server >= 2.12.0 in NATS_SERVER_BIN, PATH and ${cacheDir}; fetching needs apt-get and dpkg, not on PATH\n`,
    );
    expect(result.stderr).toMatch(/put it on PATH or set NATS_SERVER_BIN/);
    expect(result.stderr).toMatch(/macOS: +brew install nats-server/);
    expect(result.stderr).toMatch(/Alpine: +sudo apk add nats-server/);
    expect(result.stderr).not.toMatch(/ENOENT|\n\s+at /);
  });
});

describe.skipIf(!hasNats())("mstore dev", { timeout: 120_000 }, () => {
  // The binary the test setup found, so dev never fetches one here.
  const env = () => cleanEnv({ NATS_SERVER_BIN: inject("natsServerBin") });

  async function startDev(dataDir: string): Promise<{ url: string; stop(): Promise<unknown> }> {
    const dev = startCli(["dev", "--port", "0", "--data", dataDir], env());
    const done = finished(dev);
    const url = await waitForLine(dev, (line) => line.startsWith("nats://"));
    return {
      url,
      stop: async () => {
        dev.kill("SIGINT");
        return done;
      },
    };
  }

  it("serves a persistent store until Ctrl-C, then exits 0", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
    const first = await startDev(dataDir);
    expect(first.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    const written = await runCli(["--url", first.url, "write", "acct-1", "Opened", '{"a":1}']);
    expect(written).toMatchObject({ code: 0, stdout: "position 0, global position 1\n" });
    const stopped = await first.stop();
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect((stopped as { stderr: string }).stderr).toMatch(
      /Ctrl-C to stop[\s\S]*nats-server stopped/,
    );
    expect(await readdir(dataDir)).toContain("jetstream");

    // The same directory again: the message is still there.
    const second = await startDev(dataDir);
    const read = await runCli(["--url", second.url, "--json", "read", "acct-1"]);
    expect(parseLines(read.stdout).map((m) => m.data)).toEqual([{ a: 1 }]);
    expect(await second.stop()).toMatchObject({ code: 0 });
  });

  it("prints its address as JSON with --json", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
    const dev = startCli(["--json", "dev", "--port", "0", "--data", dataDir], env());
    const done = finished(dev);
    const line = await waitForLine(dev, (text) => text.startsWith("{"));
    expect(JSON.parse(line)).toEqual({
      url: expect.stringMatching(/^nats:\/\//),
      port: expect.any(Number),
      storeDir: dataDir,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      pid: expect.any(Number),
      binary: inject("natsServerBin"),
    });
    dev.kill("SIGINT");
    expect(await done).toMatchObject({ code: 0 });
  });

  it("finds nats-server in the user's cache directory (XDG_CACHE_HOME)", async () => {
    const cache = await mkdtemp(join(tmpdir(), "mstore-xdg-"));
    const cached = await addToCache(
      join(cache, "message-store", "nats-server"),
      inject("natsServerBin"),
    );
    const emptyPath = await mkdtemp(join(tmpdir(), "mstore-path-"));
    const userEnv = cleanEnv({ PATH: emptyPath, XDG_CACHE_HOME: cache });
    delete userEnv.NATS_SERVER_BIN;
    const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
    const dev = startCli(["--json", "dev", "--port", "0", "--data", dataDir], userEnv);
    const done = finished(dev);
    const line = await waitForLine(dev, (text) => text.startsWith("{"));
    expect(JSON.parse(line)).toMatchObject({ version: cached.version, binary: cached.path });
    dev.kill("SIGINT");
    expect(await done).toMatchObject({ code: 0 });
  });

  it("exits 0 on a terminal's Ctrl-C, which signals its whole process group", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
    // Its own process group, as a shell gives a foreground job; the signal goes to the group.
    const dev = spawn(process.execPath, [MAIN, "dev", "--port", "0", "--data", dataDir], {
      env: env(),
      detached: true,
    });
    const done = finished(dev);
    await waitForLine(dev, (line) => line.startsWith("nats://"));
    process.kill(-(dev.pid as number), "SIGINT");
    const result = await done;
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stderr).toMatch(/nats-server stopped\.\n$/);
  });

  it("does not claim a port another server holds, and says why it stopped", async () => {
    const other = await startDedicatedServer();
    try {
      const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
      const result = await runCli(["dev", "--port", String(other.port), "--data", dataDir], {
        env: env(),
      });
      expect(result).toMatchObject({ code: 1, stdout: "" });
      expect(result.stderr).toMatch(
        /^NatsServerExitError: nats-server exited with code 1 before it was ready\n.*address already in use/,
      );
    } finally {
      await other.stop();
    }
  });

  it("exits 1 with the reason when its nats-server dies", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "mstore-dev-"));
    const dev = startCli(["--json", "dev", "--port", "0", "--data", dataDir], env());
    const done = finished(dev);
    const { pid } = JSON.parse(await waitForLine(dev, (text) => text.startsWith("{"))) as {
      pid: number;
    };
    process.kill(pid, "SIGKILL");
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^NatsServerExitError: nats-server exited on SIGKILL\n/);
  });
});
