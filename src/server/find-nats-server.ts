/**
 * Finds a nats-server binary new enough for message-store, in the order DESIGN §6 gives:
 * `NATS_SERVER_BIN`, then `PATH`, then the cache (the user's cache directory, see
 * `userCacheDir`), and finally a fetch of the newest Debian package (testing/unstable) into
 * that cache. Where nothing can be fetched (no `apt-get`), the error says how to install one.
 */
import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { mainArchiveSource, readSystemAptSources } from "./apt-sources.ts";
import {
  addToCache,
  listCachedBinaries,
  type NatsServerBinary,
  userCacheDir,
  withCacheLock,
} from "./binary-cache.ts";
import { fetchNatsServerPackage } from "./debian-archive.ts";
import { installAdvice } from "./install-advice.ts";
import {
  compareVersions,
  MIN_NATS_SERVER_VERSION,
  readNatsServerVersion,
} from "./server-version.ts";

export type { NatsServerBinary } from "./binary-cache.ts";

/** Names a binary to use instead of searching. */
export const NATS_SERVER_BIN_ENV = "NATS_SERVER_BIN";
/** Names an old (< 2.12) binary for the unsupported-server test. */
export const NATS_OLD_SERVER_BIN_ENV = "NATS_OLD_SERVER_BIN";

/** No usable nats-server here, and none could be fetched; the message says how to get one. */
export class NatsServerNotFoundError extends Error {
  constructor(message: string, cause?: unknown) {
    super(`${message}\n${installAdvice()}`, cause === undefined ? undefined : { cause });
    this.name = "NatsServerNotFoundError";
  }
}

/** Debian suites that carry current nats-server releases; apt takes the newest of them. */
const NEWEST_SUITES = ["testing", "unstable"];

export interface FindNatsServerOptions {
  /** @default "2.12.0" */
  readonly minVersion?: string;
  /** @default `userCacheDir()`: `$XDG_CACHE_HOME/message-store/nats-server` or the platform's cache */
  readonly cacheDir?: string;
  /** Fetch from Debian when nothing local is new enough. @default true */
  readonly fetch?: boolean;
  /** Progress lines for people. @default no output */
  readonly log?: (line: string) => void;
}

const silent = (_line: string): void => {};

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every `name` on PATH that may be run (`name.exe` on Windows). */
async function onPath(name: string): Promise<string[]> {
  const file = process.platform === "win32" ? `${name}.exe` : name;
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, file);
    if (await isExecutable(candidate)) found.push(candidate);
  }
  return found;
}

/** Why this machine cannot fetch from Debian, or `undefined` when it can. */
async function whyNoFetch(): Promise<string | undefined> {
  if (process.platform !== "linux")
    return `fetching needs Linux with apt-get, not ${process.platform}`;
  const missing: string[] = [];
  for (const tool of ["apt-get", "dpkg"]) {
    if ((await onPath(tool)).length === 0) missing.push(tool);
  }
  return missing.length === 0 ? undefined : `fetching needs ${missing.join(" and ")}, not on PATH`;
}

/** The first candidate whose own `--version` satisfies `accept`. */
async function firstAccepted(
  candidates: readonly { path: string; origin: string }[],
  accept: (version: string) => boolean,
  log: (line: string) => void,
): Promise<NatsServerBinary | undefined> {
  for (const { path, origin } of candidates) {
    const version = await readNatsServerVersion(path);
    if (version === undefined) {
      log(`${origin} ${path} does not run; skipping it`);
    } else if (accept(version)) {
      return { path, version };
    } else {
      log(`${origin} ${path} is nats-server ${version}; skipping it`);
    }
  }
  return undefined;
}

/**
 * Downloads nats-server from Debian (the mirror and keyring this machine's apt already uses),
 * into the cache. `suites` undefined means the system's own suites.
 */
async function fetchIntoCache(
  cacheDir: string,
  suites: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<NatsServerBinary> {
  const source = mainArchiveSource(await readSystemAptSources());
  if (source === undefined) {
    throw new Error("no Debian archive found in the system's apt configuration");
  }
  const chosenSuites = suites ?? source.suites;
  const workDir = await mkdtemp(join(cacheDir, "fetch-"));
  try {
    const aptDir = join(cacheDir, suites === undefined ? "apt-system" : "apt-newest");
    const binary = await fetchNatsServerPackage({
      source,
      suites: chosenSuites,
      aptDir,
      workDir,
      log,
    });
    const cached = await addToCache(cacheDir, binary);
    log(`nats-server ${cached.version} is ready at ${cached.path}`);
    return cached;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Finds a nats-server binary of at least `minVersion`, fetching one when allowed. Throws with
 * the places searched when none can be had.
 */
export async function findNatsServer(
  options: FindNatsServerOptions = {},
): Promise<NatsServerBinary> {
  const minVersion = options.minVersion ?? MIN_NATS_SERVER_VERSION;
  const cacheDir = options.cacheDir ?? userCacheDir();
  const log = options.log ?? silent;
  const newEnough = (version: string): boolean => compareVersions(version, minVersion) >= 0;

  const explicit = process.env[NATS_SERVER_BIN_ENV];
  const local = [
    ...(explicit ? [{ path: explicit, origin: NATS_SERVER_BIN_ENV }] : []),
    ...(await onPath("nats-server")).map((path) => ({ path, origin: "PATH" })),
  ];
  const found = await firstAccepted(local, newEnough, log);
  if (found !== undefined) return found;
  const cached = (await listCachedBinaries(cacheDir)).find((binary) => newEnough(binary.version));
  if (cached !== undefined) return cached;

  const searched = `${NATS_SERVER_BIN_ENV}, PATH and ${cacheDir}`;
  const notFound = `no nats-server >= ${minVersion} in ${searched}`;
  if (options.fetch === false) throw new NatsServerNotFoundError(notFound);
  const noFetch = await whyNoFetch();
  if (noFetch !== undefined) throw new NatsServerNotFoundError(`${notFound}; ${noFetch}`);
  log(`${notFound}; fetching the newest from Debian…`);
  try {
    return await withCacheLock(cacheDir, log, async () => {
      // Another process may have fetched it while this one waited for the lock.
      const fetchedMeanwhile = (await listCachedBinaries(cacheDir)).find((binary) =>
        newEnough(binary.version),
      );
      if (fetchedMeanwhile !== undefined) return fetchedMeanwhile;
      const fetched = await fetchIntoCache(cacheDir, NEWEST_SUITES, log);
      if (!newEnough(fetched.version)) {
        throw new Error(`Debian's newest nats-server is ${fetched.version}`);
      }
      return fetched;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NatsServerNotFoundError(`${notFound}, and fetching one failed: ${reason}`, error);
  }
}

/**
 * An old nats-server (older than `below`), for proving that `connect` refuses it:
 * `NATS_OLD_SERVER_BIN`, else a cached one, else the package from the system's own Debian
 * suites. `undefined` when none can be had; the test that needs it is optional.
 */
export async function findOldNatsServer(
  options: Omit<FindNatsServerOptions, "minVersion"> & { readonly below?: string } = {},
): Promise<NatsServerBinary | undefined> {
  const below = options.below ?? MIN_NATS_SERVER_VERSION;
  const cacheDir = options.cacheDir ?? userCacheDir();
  const log = options.log ?? silent;
  const old = (version: string): boolean => compareVersions(version, below) < 0;
  const oldestCached = async (): Promise<NatsServerBinary | undefined> =>
    (await listCachedBinaries(cacheDir)).find((binary) => old(binary.version));

  const explicit = process.env[NATS_OLD_SERVER_BIN_ENV];
  if (explicit) {
    const found = await firstAccepted(
      [{ path: explicit, origin: NATS_OLD_SERVER_BIN_ENV }],
      old,
      log,
    );
    if (found !== undefined) return found;
  }
  const cached = await oldestCached();
  if (cached !== undefined || options.fetch === false) return cached;
  const noFetch = await whyNoFetch();
  if (noFetch !== undefined) {
    log(`no old nats-server: ${noFetch}`);
    return undefined;
  }
  try {
    return await withCacheLock(cacheDir, log, async () => {
      const fetchedMeanwhile = await oldestCached();
      if (fetchedMeanwhile !== undefined) return fetchedMeanwhile;
      log(`fetching nats-server from the system's Debian suites, hoping for one < ${below}…`);
      const fetched = await fetchIntoCache(cacheDir, undefined, log);
      return old(fetched.version) ? fetched : undefined;
    });
  } catch (error) {
    log(`could not fetch an old nats-server: ${(error as Error).message}`);
    return undefined;
  }
}
