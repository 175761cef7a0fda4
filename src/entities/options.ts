/**
 * Entity and handle options, checked and resolved once (bad input is an `InvalidOptionsError`
 * before anything is read or written).
 */
import { InvalidOptionsError } from "../errors.ts";
import type { RecordedMessage } from "../message.ts";
import { checkOptionKeys, nonNegativeInteger, positiveInteger } from "../option-checks.ts";
import { parseTarget } from "../stream-name.ts";
import type { Folding } from "./loaded.ts";
import type {
  AnyEntityOptions,
  EntityOptions,
  EntitySnapshotOptions,
  HandleOptions,
} from "./types.ts";

export const DEFAULT_CACHE_ENTRIES = 1000;
export const DEFAULT_COMMAND_WINDOW = 100;
/** Emmett's defaults for its command handler: 3 retries, 100 ms, ×1.5. */
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 100;
export const DEFAULT_RETRY_BACKOFF = 1.5;

export interface ResolvedEntityOptions<State, Event extends RecordedMessage>
  extends Folding<State, Event> {
  readonly category: string;
  readonly maxEntries: number;
  readonly snapshot: EntitySnapshotOptions | undefined;
}

const ENTITY_KEYS: ReadonlySet<string> = new Set([
  "category",
  "init",
  "handlers",
  "cache",
  "snapshot",
  "commandWindow",
]);
const CACHE_KEYS: ReadonlySet<string> = new Set(["maxEntries"]);
const SNAPSHOT_KEYS: ReadonlySet<string> = new Set(["every", "version"]);
const HANDLE_KEYS: ReadonlySet<string> = new Set([
  "decide",
  "retries",
  "retryDelayMs",
  "retryBackoff",
]);

export function resolveEntityOptions<State, Event extends RecordedMessage>(
  options: AnyEntityOptions<State, Event>,
): ResolvedEntityOptions<State, Event> {
  checkOptionKeys(options, ENTITY_KEYS, "entities");
  // A name is taken as a category even when it contains `-` (`import-podcast:command`).
  const { category } = options;
  const target = parseTarget({
    category: typeof category === "object" && category !== null ? category.category : category,
  });
  if (options.handlers === null || typeof options.handlers !== "object") {
    throw new InvalidOptionsError("entities: handlers must be an object of functions by type");
  }
  for (const [type, handler] of Object.entries(options.handlers)) {
    if (typeof handler !== "function")
      throw new InvalidOptionsError(`entities: the handler for ${type} is not a function`);
  }
  const { init } = options;
  return {
    category: target.category,
    initial: () => (isInitFunction(init) ? init() : init),
    handlers: options.handlers,
    maxEntries: resolveMaxEntries(options.cache),
    snapshot: resolveSnapshot(options.snapshot),
    commandWindow:
      nonNegativeInteger(options.commandWindow, "entities: commandWindow") ??
      DEFAULT_COMMAND_WINDOW,
  };
}

function isInitFunction<State>(init: State | (() => State)): init is () => State {
  return typeof init === "function";
}

function resolveMaxEntries(cache: EntityOptions<unknown>["cache"]): number {
  if (cache === false) return 0;
  if (cache === undefined) return DEFAULT_CACHE_ENTRIES;
  checkOptionKeys(cache, CACHE_KEYS, "entities: cache");
  return (
    nonNegativeInteger(cache.maxEntries, "entities: cache.maxEntries") ?? DEFAULT_CACHE_ENTRIES
  );
}

function resolveSnapshot(
  snapshot: EntitySnapshotOptions | undefined,
): EntitySnapshotOptions | undefined {
  if (snapshot === undefined) return undefined;
  checkOptionKeys(snapshot, SNAPSHOT_KEYS, "entities: snapshot");
  const every = positiveInteger(snapshot.every, "entities: snapshot.every");
  if (every === undefined) throw new InvalidOptionsError("entities: snapshot.every is required");
  const { version } = snapshot;
  if (!(typeof version === "string" || (typeof version === "number" && Number.isFinite(version)))) {
    throw new InvalidOptionsError("entities: snapshot.version must be a number or a string");
  }
  return { every, version };
}

export interface ResolvedHandleOptions<State, Command> {
  readonly decide: HandleOptions<State, Command>["decide"];
  readonly retries: number;
  /** The wait before retry `attempt` (1-based), before jitter. */
  readonly delayBefore: (attempt: number) => number;
}

export function resolveHandleOptions<State, Command>(
  options: HandleOptions<State, Command>,
): ResolvedHandleOptions<State, Command> {
  checkOptionKeys(options, HANDLE_KEYS, "handle");
  if (typeof options.decide !== "function")
    throw new InvalidOptionsError("handle: decide must be a function");
  const retries = nonNegativeInteger(options.retries, "handle: retries") ?? DEFAULT_RETRIES;
  const delayMs =
    nonNegativeInteger(options.retryDelayMs, "handle: retryDelayMs") ?? DEFAULT_RETRY_DELAY_MS;
  const backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
  if (typeof backoff !== "number" || !Number.isFinite(backoff) || backoff < 1) {
    throw new InvalidOptionsError(
      `handle: retryBackoff must be a number >= 1, got ${JSON.stringify(backoff)}`,
    );
  }
  return {
    decide: options.decide,
    retries,
    delayBefore: (attempt) => delayMs * backoff ** (attempt - 1),
  };
}
