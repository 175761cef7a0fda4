/**
 * An entity store (`store.entities(options)`): loads entities of one category through a
 * per-process cache and, when asked, snapshots.
 *
 * - A cached entity is checked with one request for the stream's last message (on NATS one
 *   direct get). Unchanged: nothing is read. Moved: only the new positions are read, and the
 *   last message itself came with the check.
 * - A cold load with snapshots reads the snapshot and the last message side by side, then
 *   only the positions between them.
 * - Snapshots are written in the background; a failed or unusable one is a warning.
 */
import { InvalidMessageError, isUnsupportedError, UnsupportedError } from "../errors.ts";
import { reportTo } from "../instrumentation.ts";
import type { Message, RecordedMessage } from "../message.ts";
import { contractOf, type MessageContract } from "../messages/contract.ts";
import { upcasterFor } from "../messages/upcast.ts";
import type { Logger } from "../options.ts";
import type { SnapshotStore } from "../snapshot-store.ts";
import { type ParsedStream, parseStream } from "../stream-name.ts";
import { handleCommand } from "./handle.ts";
import { KeyedQueue } from "./keyed-queue.ts";
import { advance, type LoadedEntity, newEntity } from "./loaded.ts";
import { LruCache } from "./lru-cache.ts";
import {
  type ResolvedEntityOptions,
  resolveEntityOptions,
  resolveHandleOptions,
} from "./options.ts";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-codec.ts";
import type {
  AnyEntityOptions,
  Entity,
  EntityHost,
  EntityStore,
  HandleOptions,
  HandleResult,
} from "./types.ts";

export class CachedEntityStore<State, Event extends RecordedMessage>
  implements EntityStore<State, Event>
{
  readonly host: EntityHost;
  readonly #options: ResolvedEntityOptions<State, Event>;
  readonly #snapshots: SnapshotStore | undefined;
  readonly #logger: Logger;
  /**
   * The category's upcasting, for events this store hears of from writes rather than reads
   * (`written`): a write by name may store an older schema version. Reads are upcast by the
   * store the host reads through.
   */
  readonly #upcast: ((message: RecordedMessage) => RecordedMessage) | undefined;
  /** The category's contract, when it has one: `handle` stamps its events as a write does. */
  readonly contract: MessageContract | undefined;
  readonly #cache: LruCache<LoadedEntity<State>>;
  readonly #commands = new KeyedQueue();
  /** Snapshot writes in flight, by entity id: one at a time per entity. */
  readonly #snapshotting = new Map<string, Promise<void>>();

  constructor(
    host: EntityHost,
    snapshots: SnapshotStore | undefined,
    logger: Logger,
    options: AnyEntityOptions<State, Event>,
  ) {
    this.host = host;
    this.#options = resolveEntityOptions(options);
    if (this.#options.snapshot !== undefined && snapshots === undefined) {
      throw new UnsupportedError("this backend keeps no snapshots; leave out `snapshot`");
    }
    this.#snapshots = snapshots;
    this.#logger = logger;
    this.contract = contractOf(options.category);
    this.#upcast = upcasterFor(this.contract);
    this.#cache = new LruCache(this.#options.maxEntries);
  }

  get category(): string {
    return this.#options.category;
  }

  async fetch(id: string): Promise<Entity<State>> {
    const { state, version } = await this.load(this.stream(id));
    return { state, version };
  }

  async get(id: string): Promise<Entity<State> | undefined> {
    const entity = await this.fetch(id);
    return entity.version < 0 ? undefined : entity;
  }

  handle<const Command extends Message>(
    id: string,
    command: Command,
    options: HandleOptions<State, Command>,
  ): Promise<HandleResult<State, Event>> {
    const stream = this.stream(id);
    checkCommand(command);
    const { decide, retries, delayBefore } = resolveHandleOptions(options);
    const plan = { decide: (state: State) => decide(command, state), retries, delayBefore };
    const handling = (): Promise<HandleResult<State, Event>> =>
      this.#commands.run(stream.id, () => handleCommand(this, stream, command, plan));
    const scope = this.host.instrumentation?.command(stream, command);
    if (scope === undefined) return handling();
    return reportTo(scope, scope.run(handling), (result) => ({
      version: result.version,
      events: result.events.length,
      duplicate: result.duplicate,
    }));
  }

  async flush(): Promise<void> {
    while (this.#snapshotting.size > 0) await Promise.all(this.#snapshotting.values());
  }

  /** The stream of entity `id` in this store's category. Throws `InvalidStreamNameError`. */
  stream(id: string): ParsedStream {
    return parseStream({ category: this.#options.category, id });
  }

  /** The cached entity as it is, without asking the store whether it moved. */
  cached(stream: ParsedStream): LoadedEntity<State> | undefined {
    return this.#cache.get(stream.id);
  }

  /** The entity as it is in the store now: the cached one brought up to date, or a cold load. */
  async load(stream: ParsedStream): Promise<LoadedEntity<State>> {
    const cached = this.#cache.get(stream.id);
    const scope = this.host.instrumentation?.load(stream, cached !== undefined);
    const loading = cached === undefined ? this.#cold(stream) : this.#catchUp(stream, cached);
    return scope === undefined ? loading : reportTo(scope, loading, ({ version }) => ({ version }));
  }

  /** The entity after `events`, which this store has just written after `before`. */
  afterWrite(
    stream: ParsedStream,
    before: LoadedEntity<State>,
    events: readonly RecordedMessage[],
  ): LoadedEntity<State> {
    const current = this.#cache.peek(stream.id);
    const last = events.at(-1);
    if (current !== undefined && current.version === last?.position && current.lastId === last.id) {
      return current;
    }
    return this.#remember(stream, advance(before, events, this.#options));
  }

  /**
   * Events written through the same store by anyone (`store.write` included): a cached
   * entity they directly follow moves forward; one they do not follow is left for the next
   * load's check to catch up.
   */
  written(stream: ParsedStream, events: readonly RecordedMessage[]): void {
    const cached = this.#cache.peek(stream.id);
    if (cached === undefined || events[0]?.position !== cached.version + 1) return;
    const upcast = this.#upcast;
    try {
      const folded = upcast === undefined ? events : events.map((event) => upcast(event));
      this.#remember(stream, advance(cached, folded, this.#options));
    } catch (error) {
      // The write has landed; a handler that throws must not make it look failed. The next
      // load folds the stream again and lets the handler's error reach whoever loads.
      this.#cache.delete(stream.id);
      this.#logger.warn({ stream: stream.name, err: error }, "entity handler failed on a write");
    }
  }

  async #catchUp(stream: ParsedStream, known: LoadedEntity<State>): Promise<LoadedEntity<State>> {
    const last = await this.host.last(stream);
    if (last === undefined) {
      if (known.version < 0) return known;
      // The stream is gone: whatever was cached describes events that no longer exist.
      this.#cache.delete(stream.id);
      return this.#remember(stream, newEntity(this.#options.initial));
    }
    if (last.position === known.version && last.id === known.lastId) return known;
    if (
      last.position < known.version ||
      (last.position === known.version && last.id !== known.lastId)
    ) {
      this.#cache.delete(stream.id);
      return this.#cold(stream);
    }
    return this.#readUpTo(stream, known, last);
  }

  /** `from` advanced to `last`, reading only the positions between them. */
  async #readUpTo(
    stream: ParsedStream,
    from: LoadedEntity<State>,
    last: RecordedMessage,
  ): Promise<LoadedEntity<State>> {
    const between = last.position - from.version - 1;
    const events =
      between === 0
        ? []
        : await this.host.get(stream, { fromPosition: from.version + 1, maxCount: between });
    if (events.length !== between || (between > 0 && events[0]?.position !== from.version + 1)) {
      // Positions missing between the two: not a stream this store wrote. Fold it whole.
      return this.#remember(
        stream,
        advance(newEntity(this.#options.initial), await this.host.get(stream, {}), this.#options),
      );
    }
    return this.#remember(stream, advance(from, [...events, last], this.#options));
  }

  async #cold(stream: ParsedStream): Promise<LoadedEntity<State>> {
    if (this.#options.snapshot === undefined) {
      const events = await this.host.get(stream, {});
      return this.#remember(
        stream,
        advance(newEntity(this.#options.initial), events, this.#options),
      );
    }
    const [snapshot, last] = await Promise.all([
      this.#readSnapshot(stream),
      this.host.last(stream),
    ]);
    if (last === undefined) return this.#remember(stream, newEntity(this.#options.initial));
    let from = newEntity(this.#options.initial);
    if (snapshot !== undefined) {
      if (snapshot.version < last.position) from = snapshot;
      else if (snapshot.version === last.position && snapshot.lastId === last.id) {
        return this.#remember(stream, snapshot);
      } else {
        this.#logger.warn(
          { stream: stream.name, snapshotVersion: snapshot.version, streamVersion: last.position },
          "entity snapshot ignored: it is ahead of its stream or of another stream",
        );
      }
    }
    return this.#readUpTo(stream, from, last);
  }

  /** The usable snapshot of `stream`, or `undefined` (with a warning when one was unusable). */
  async #readSnapshot(stream: ParsedStream): Promise<LoadedEntity<State> | undefined> {
    const { snapshot } = this.#options;
    if (this.#snapshots === undefined || snapshot === undefined) return undefined;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#snapshots.read(stream);
    } catch (error) {
      // A backend without snapshot storage is a setup mistake, not a bad snapshot.
      if (isUnsupportedError(error)) throw error;
      this.#logger.warn(
        { stream: stream.name, err: error },
        "entity snapshot could not be read; folding the stream",
      );
      return undefined;
    }
    if (bytes === undefined) return undefined;
    const decoded = decodeSnapshot<State>(bytes, snapshot.version);
    if (decoded === "other-version") {
      this.#logger.debug({ stream: stream.name }, "entity snapshot of another version ignored");
      return undefined;
    }
    if ("unusable" in decoded) {
      this.#logger.warn(
        { stream: stream.name, reason: decoded.unusable },
        "entity snapshot could not be decoded; folding the stream",
      );
      return undefined;
    }
    return decoded;
  }

  /**
   * Keeps `entity` in the cache unless a newer one is there already, and starts a snapshot
   * when it has moved `every` versions past its last one.
   */
  #remember(stream: ParsedStream, entity: LoadedEntity<State>): LoadedEntity<State> {
    let kept = entity;
    const { snapshot } = this.#options;
    if (
      snapshot !== undefined &&
      entity.version - entity.snapshotVersion >= snapshot.every &&
      !this.#snapshotting.has(stream.id)
    ) {
      kept = { ...entity, snapshotVersion: entity.version };
      this.#writeSnapshot(stream, kept, snapshot.version);
    }
    const current = this.#cache.peek(stream.id);
    if (current === undefined || current.version <= kept.version) this.#cache.set(stream.id, kept);
    return kept;
  }

  /** In the background: neither a load nor a write waits for it. `flush()` does. */
  #writeSnapshot(
    stream: ParsedStream,
    entity: LoadedEntity<State>,
    version: number | string,
  ): void {
    if (this.#snapshots === undefined) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeSnapshot(entity, version);
    } catch (error) {
      this.#logger.warn(
        { stream: stream.name, err: error },
        "entity snapshot could not be encoded",
      );
      return;
    }
    const writing = this.#snapshots
      .write(stream, bytes)
      .catch((error: unknown) => {
        this.#logger.warn(
          { stream: stream.name, err: error },
          "entity snapshot could not be written",
        );
      })
      .finally(() => this.#snapshotting.delete(stream.id));
    this.#snapshotting.set(stream.id, writing);
  }
}

/** A command is a message: an object with a `type`, and an `id` string when it has one. */
function checkCommand(command: unknown): void {
  if (command === null || typeof command !== "object") {
    throw new InvalidMessageError("handle: the command must be a message { id?, type, data? }");
  }
  const { type, id } = command as { type?: unknown; id?: unknown };
  if (typeof type !== "string" || type.length === 0) {
    throw new InvalidMessageError("handle: the command's type must be a non-empty string");
  }
  if (id !== undefined && typeof id !== "string") {
    throw new InvalidMessageError("handle: the command's id must be a string when present");
  }
}
