/**
 * Which JetStream stream holds a category, what it allows, its subject layout, and creating
 * it when missing. Lookups are cached per category: a write path should not pay a
 * stream-info request.
 *
 * The layout (DESIGN §8) is written into the metadata of every stream this store creates. A
 * stream without the mark was made by someone else, Zencastr most likely, and is used in the
 * `zencastr` layout, the one its writers use. One exception keeps streams made by earlier
 * versions of this store, which had no mark, in the `position` layout they were written in:
 * they all refuse new messages when full (`discard: new`), which Zencastr never asks for.
 */
import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { CategoryLayout, CategorySettings } from "../../backend.ts";
import { CategoryLayoutError, StreamNotFoundError } from "../../errors.ts";
import type { ResolvedOptions } from "../../options.ts";
import { JetStreamCode, translateCreateFailure } from "./jetstream-errors.ts";
import type { SubjectLayout } from "./subjects.ts";

/** Zencastr's limit, kept for compatibility; the server's `max_payload` still caps each message. */
export const STREAM_MAX_MESSAGE_SIZE: number = 4 * 1024 * 1024;

/** The stream metadata key that holds a category's layout. */
export const LAYOUT_METADATA_KEY = "message-store.layout";

/** What the store needs to know about a category's JetStream stream. */
export interface StorageConfig {
  readonly name: string;
  /** Where the category's entities sit on subjects. */
  readonly layout: CategoryLayout;
  /** One message per subject, new ones refused: a taken position is a conflict (10077). */
  readonly guarded: boolean;
  /** Direct gets work (`allow_direct`); otherwise reads use an ordered consumer. */
  readonly direct: boolean;
  /** Atomic batches work (`allow_atomic`): needed for array writes. */
  readonly atomic: boolean;
  /** The stream's subjects are exactly the category's, so a category read needs no filter. */
  readonly exclusive: boolean;
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamCode.StreamNotFound;
}

function layoutOf(config: StreamConfig): CategoryLayout {
  const marked = config.metadata?.[LAYOUT_METADATA_KEY];
  if (marked === "position" || marked === "zencastr") return marked;
  return config.discard === DiscardPolicy.New ? "position" : "zencastr";
}

/** What the store needs to know of a category's stream, read from the stream's config. */
export function configOf(config: StreamConfig, categoryFilter: string): StorageConfig {
  return {
    name: config.name,
    layout: layoutOf(config),
    guarded: config.max_msgs_per_subject === 1 && config.discard_new_per_subject === true,
    direct: config.allow_direct === true,
    atomic: config.allow_atomic === true,
    exclusive: config.subjects?.length === 1 && config.subjects[0] === categoryFilter,
  };
}

/** The config of a new category stream (DESIGN §3). */
export function newStreamConfig(
  name: string,
  categoryFilter: string,
  settings: CategorySettings,
): Partial<StreamConfig> & { name: string } {
  const layout = settings.layout ?? "position";
  // Many messages share an entity's subject in the zencastr layout: no per-subject guard.
  const guarded = layout === "position" && settings.positionGuard;
  return {
    name,
    subjects: [categoryFilter],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    // Never drop events to make room: a full stream refuses writes instead.
    discard: DiscardPolicy.New,
    max_bytes: settings.maxBytes ?? -1,
    max_msg_size: STREAM_MAX_MESSAGE_SIZE,
    max_msgs_per_subject: guarded ? 1 : -1,
    discard_new_per_subject: guarded,
    allow_direct: true,
    allow_atomic: true,
    num_replicas: settings.replicas,
    metadata: { [LAYOUT_METADATA_KEY]: layout },
  };
}

export class CategoryStorage {
  readonly #manager: JetStreamManager;
  /** The manager with the short timeout of a check (context.ts `checks`). */
  readonly #checks: JetStreamManager;
  readonly #subjects: SubjectLayout;
  readonly #options: ResolvedOptions;
  readonly #known = new Map<string, Promise<StorageConfig | undefined>>();
  /** The streams looked up so far, for decoders and traces that cannot wait. */
  readonly #found = new Map<string, StorageConfig>();

  constructor(
    manager: JetStreamManager,
    checks: JetStreamManager,
    subjects: SubjectLayout,
    options: ResolvedOptions,
  ) {
    this.#manager = manager;
    this.#checks = checks;
    this.#subjects = subjects;
    this.#options = options;
  }

  /** The category's stream, or `undefined` when there is none (not cached: it may appear later). */
  lookup(category: string): Promise<StorageConfig | undefined> {
    const cached = this.#known.get(category);
    if (cached !== undefined) return cached;
    const pending = this.#find(category).then((found) => {
      if (found === undefined) this.#known.delete(category);
      else this.#found.set(category, found);
      return found;
    });
    pending.catch(() => this.#known.delete(category));
    this.#known.set(category, pending);
    return pending;
  }

  /** The category's stream for a write: created with the store's defaults when missing, if allowed. */
  async require(category: string): Promise<StorageConfig> {
    const found = await this.lookup(category);
    if (found !== undefined) return found;
    if (!this.#options.createMissingStreams) {
      throw new StreamNotFoundError(
        this.#subjects.storageName(category),
        `category ${category} has no JetStream stream and createMissingStreams is off: create stream ${this.#subjects.storageName(category)} (ensureCategory does)`,
      );
    }
    return this.#create(category, {
      positionGuard: true,
      maxBytes: this.#options.maxBytes,
      replicas: this.#options.replicas,
    });
  }

  /** The category's stream, created with `settings` when missing whatever `createMissingStreams` says. */
  async provide(category: string, settings: CategorySettings): Promise<StorageConfig> {
    return (await this.lookup(category)) ?? this.#create(category, settings);
  }

  /** The layout of a category whose stream was looked up before, else `undefined`. */
  knownLayout(category: string): CategoryLayout | undefined {
    return this.#found.get(category)?.layout;
  }

  /** The name of a category's stream that was looked up before, else `undefined`. */
  knownName(category: string): string | undefined {
    return this.#found.get(category)?.name;
  }

  /**
   * Creates the category's stream with `settings`, or, when one exists (perhaps Zencastr's),
   * switches on direct gets and atomic batches, which the store needs and Zencastr lacks.
   * An existing stream keeps its layout: asking for another is `CategoryLayoutError`.
   */
  async ensure(category: string, settings: CategorySettings): Promise<StorageConfig> {
    this.forget(category);
    const found = (await this.#find(category)) ?? (await this.#create(category, settings));
    if (settings.layout !== undefined && settings.layout !== found.layout) {
      throw new CategoryLayoutError(category, found.layout, settings.layout, found.name);
    }
    if (found.direct && found.atomic) return this.#remember(category, found);
    const info = await this.#manager.streams.info(found.name);
    const updated = await this.#manager.streams.update(found.name, {
      ...info.config,
      allow_direct: true,
      allow_atomic: true,
    });
    return this.#remember(
      category,
      configOf(updated.config, this.#subjects.categoryFilter(category)),
    );
  }

  /**
   * Whether the server says the JetStream stream `name` does not exist. Asked when nobody
   * answers a publish, which a deleted stream and a leader election look alike for; an
   * election may leave this unanswered too, so it waits only as long as a check
   * (`CHECK_TIMEOUT_MS`) and says `false`.
   */
  async isDeleted(name: string): Promise<boolean> {
    try {
      await this.#checks.streams.info(name);
      return false;
    } catch (error) {
      return isStreamNotFound(error);
    }
  }

  /** Drops the cached lookup, e.g. after the stream was deleted behind our back. */
  forget(category: string): void {
    this.#known.delete(category);
  }

  #remember(category: string, config: StorageConfig): StorageConfig {
    this.#known.set(category, Promise.resolve(config));
    this.#found.set(category, config);
    return config;
  }

  async #find(category: string): Promise<StorageConfig | undefined> {
    const filter = this.#subjects.categoryFilter(category);
    const named = await this.#info(this.#subjects.storageName(category));
    if (named !== undefined) return configOf(named, filter);
    // Another writer (Zencastr) may have made the stream under its own name.
    let other: string;
    try {
      other = await this.#manager.streams.find(filter);
    } catch {
      return undefined;
    }
    const config = await this.#info(other);
    return config === undefined ? undefined : configOf(config, filter);
  }

  async #info(name: string): Promise<StreamConfig | undefined> {
    try {
      return (await this.#manager.streams.info(name)).config;
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw error;
    }
  }

  async #create(category: string, settings: CategorySettings): Promise<StorageConfig> {
    const name = this.#subjects.storageName(category);
    const filter = this.#subjects.categoryFilter(category);
    try {
      const info = await this.#manager.streams.add(newStreamConfig(name, filter, settings));
      return this.#remember(category, configOf(info.config, filter));
    } catch (error) {
      // Another process created it first: use theirs.
      const raced = await this.#find(category);
      if (raced === undefined) throw translateCreateFailure(error, name, settings.replicas);
      return this.#remember(category, raced);
    }
  }
}
