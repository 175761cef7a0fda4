/**
 * The cache of nats-server binaries, `<cacheDir>/bin/nats-server-<version>`, and the lock that
 * keeps concurrent fetches (Vitest workers, the CLI) from racing. A binary enters the cache by
 * rename, so a reader never sees a half-written file.
 */
import { randomUUID } from "node:crypto";
import {
  chmod,
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from "node:fs/promises";
import { homedir } from "node:os";
import { join, posix, win32 } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { compareVersions, readNatsServerVersion } from "./server-version.ts";

export interface NatsServerBinary {
  readonly path: string;
  readonly version: string;
}

const BINARY_PREFIX = "nats-server-";

/**
 * The default cache: `message-store/nats-server` in the user's cache directory, so one
 * download serves every project and survives a fresh `node_modules`. That directory is
 * `XDG_CACHE_HOME` when set (absolute, as the XDG spec requires), else `~/.cache` on Linux,
 * `~/Library/Caches` on macOS and `%LOCALAPPDATA%` on Windows.
 */
export function userCacheDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  const path = platform === "win32" ? win32 : posix;
  const xdg = env.XDG_CACHE_HOME;
  let base: string;
  if (xdg !== undefined && path.isAbsolute(xdg)) base = xdg;
  else if (platform === "darwin") base = path.join(home, "Library", "Caches");
  else if (platform === "win32") base = env.LOCALAPPDATA || path.join(home, "AppData", "Local");
  else base = path.join(home, ".cache");
  return path.join(base, "message-store", "nats-server");
}
/** A lock older than this is a leftover from a process that died mid-fetch. */
const STALE_LOCK_MS = 15 * 60_000;
const LOCK_POLL_MS = 250;

/** Cached binaries that run and report a version, newest first. */
export async function listCachedBinaries(cacheDir: string): Promise<NatsServerBinary[]> {
  const binDir = join(cacheDir, "bin");
  let names: string[];
  try {
    names = await readdir(binDir);
  } catch {
    return [];
  }
  const found: NatsServerBinary[] = [];
  for (const name of names.filter((entry) => entry.startsWith(BINARY_PREFIX))) {
    const path = join(binDir, name);
    const version = await readNatsServerVersion(path);
    if (version !== undefined) found.push({ path, version });
  }
  return found.sort((a, b) => compareVersions(b.version, a.version));
}

/** Copies a binary into the cache under its own version; returns the cached copy. */
export async function addToCache(cacheDir: string, binary: string): Promise<NatsServerBinary> {
  const version = await readNatsServerVersion(binary);
  if (version === undefined) throw new Error(`${binary} does not run or report a version`);
  const binDir = join(cacheDir, "bin");
  await mkdir(binDir, { recursive: true });
  const partial = join(binDir, `.partial-${randomUUID()}`);
  await copyFile(binary, partial);
  await chmod(partial, 0o755);
  const path = join(binDir, `${BINARY_PREFIX}${version}`);
  await rename(partial, path);
  return { path, version };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
    const pid = Number.parseInt(text, 10);
    return Date.now() - info.mtimeMs > STALE_LOCK_MS || (pid > 0 && !isAlive(pid));
  } catch {
    // Gone already, or unreadable mid-write: try to take it again.
    return false;
  }
}

/** Runs `work` while holding `<cacheDir>/fetch.lock`; waits for another holder to finish. */
export async function withCacheLock<T>(
  cacheDir: string,
  log: (line: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  await mkdir(cacheDir, { recursive: true });
  const lockPath = join(cacheDir, "fetch.lock");
  let announced = false;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isStale(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!announced) log("another process is fetching nats-server; waiting for it…");
    announced = true;
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}
