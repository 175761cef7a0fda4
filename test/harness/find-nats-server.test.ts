import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import {
  addToCache,
  listCachedBinaries,
  userCacheDir,
  withCacheLock,
} from "../../src/server/binary-cache.ts";
import {
  findNatsServer,
  findOldNatsServer,
  NATS_OLD_SERVER_BIN_ENV,
  NATS_SERVER_BIN_ENV,
  NatsServerNotFoundError,
} from "../../src/server/find-nats-server.ts";
import { installAdvice } from "../../src/server/install-advice.ts";
import { hasNats, natsSkipReason } from "../support/nats.ts";

let cacheDir: string;
const touchedEnv = ["PATH", NATS_SERVER_BIN_ENV, NATS_OLD_SERVER_BIN_ENV];
const savedEnv = touchedEnv.map((key) => [key, process.env[key]] as const);

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "nats-cache-"));
});

afterEach(async () => {
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(cacheDir, { recursive: true, force: true });
});

describe("the user's cache directory", () => {
  it("is XDG_CACHE_HOME when it is an absolute path, on every platform", () => {
    const env = { XDG_CACHE_HOME: "/x/cache" };
    expect(userCacheDir("linux", env, "/home/ann")).toBe("/x/cache/message-store/nats-server");
    expect(userCacheDir("darwin", env, "/Users/ann")).toBe("/x/cache/message-store/nats-server");
    // A relative one is invalid by the XDG spec, and ignored.
    expect(userCacheDir("linux", { XDG_CACHE_HOME: "cache" }, "/home/ann")).toBe(
      "/home/ann/.cache/message-store/nats-server",
    );
  });

  it("is the platform's cache directory otherwise", () => {
    expect(userCacheDir("linux", {}, "/home/ann")).toBe(
      "/home/ann/.cache/message-store/nats-server",
    );
    expect(userCacheDir("darwin", {}, "/Users/ann")).toBe(
      "/Users/ann/Library/Caches/message-store/nats-server",
    );
    expect(
      userCacheDir("win32", { LOCALAPPDATA: "C:\\Users\\ann\\AppData\\Local" }, "C:\\Users\\ann"),
    ).toBe("C:\\Users\\ann\\AppData\\Local\\message-store\\nats-server");
  });
});

describe("without apt-get", () => {
  it("fails with how to install nats-server instead of fetching", async () => {
    process.env[NATS_SERVER_BIN_ENV] = "";
    process.env.PATH = cacheDir; // an empty directory: no nats-server, apt-get nor dpkg
    const search = findNatsServer({ cacheDir });
    await expect(search).rejects.toBeInstanceOf(NatsServerNotFoundError);
    await expect(search).rejects.toThrow(
      `no nats-server >= 2.12.0 in NATS_SERVER_BIN, PATH and ${cacheDir}; fetching needs apt-get and dpkg, not on PATH\n${installAdvice()}`,
    );
  });

  it("names this platform's install command first", () => {
    expect(installAdvice("darwin").split("\n")[1]).toMatch(
      /^ {2}macOS: +brew install nats-server$/,
    );
    expect(installAdvice("win32").split("\n")[1]).toMatch(
      /^ {2}Windows: +scoop install nats-server$/,
    );
    expect(installAdvice("linux")).toMatch(/NATS_SERVER_BIN/);
  });
});

describe("the fetch lock", () => {
  it("lets one holder work at a time", async () => {
    let inside = 0;
    let mostInside = 0;
    const work = async (): Promise<void> => {
      inside += 1;
      mostInside = Math.max(mostInside, inside);
      await sleep(20);
      inside -= 1;
    };
    const noLog = (): void => {};
    await Promise.all([1, 2, 3].map(() => withCacheLock(cacheDir, noLog, work)));
    expect(mostInside).toBe(1);
  });

  it("takes over a lock left by a process that died", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => child.once("exit", resolve));
    await writeFile(join(cacheDir, "fetch.lock"), String(child.pid));
    expect(
      await withCacheLock(
        cacheDir,
        () => {},
        async () => "got it",
      ),
    ).toBe("got it");
  });
});

describe.skipIf(!hasNats())(`finding nats-server ${natsSkipReason()}`, () => {
  const binary = (): string => inject("natsServerBin");

  it("uses NATS_SERVER_BIN when it is new enough", async () => {
    process.env[NATS_SERVER_BIN_ENV] = binary();
    process.env.PATH = "";
    const found = await findNatsServer({ cacheDir, fetch: false });
    expect(found.path).toBe(binary());
  });

  it("fails, naming the version needed, when nothing is new enough and fetching is off", async () => {
    process.env[NATS_SERVER_BIN_ENV] = binary();
    const lines: string[] = [];
    const search = findNatsServer({
      cacheDir,
      fetch: false,
      minVersion: "99.0.0",
      log: (line) => lines.push(line),
    });
    await expect(search).rejects.toThrow(/>= 99\.0\.0/);
    expect(lines.join("\n")).toContain("skipping it");
  });

  it("finds a binary in its cache under its own version", async () => {
    process.env[NATS_SERVER_BIN_ENV] = "";
    process.env.PATH = "";
    const cached = await addToCache(cacheDir, binary());
    expect(await listCachedBinaries(cacheDir)).toEqual([cached]);
    expect(await findNatsServer({ cacheDir, fetch: false })).toEqual(cached);
  });

  it("does not offer a new server as an old one", async () => {
    process.env[NATS_OLD_SERVER_BIN_ENV] = binary();
    await addToCache(cacheDir, binary());
    expect(await findOldNatsServer({ cacheDir, fetch: false })).toBeUndefined();
  });
});
