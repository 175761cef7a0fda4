/**
 * Every category log of one memory store's data, and who is waiting for their next entry. Watchers
 * are kept per category name rather than per log so a tail or consumer can wait on a category
 * that does not exist yet: reads never create storage.
 */
import type { CategorySettings } from "../../backend.ts";
import { StreamNotFoundError } from "../../errors.ts";
import type { ResolvedOptions } from "../../options.ts";
import { CategoryLog } from "./log.ts";

export class Categories {
  readonly #logs = new Map<string, CategoryLog>();
  readonly #watchers = new Map<string, Set<() => void>>();

  get(category: string): CategoryLog | undefined {
    return this.#logs.get(category);
  }

  all(): IterableIterator<CategoryLog> {
    return this.#logs.values();
  }

  /** Creates the log with `settings` when missing; an existing log keeps the settings it was made with. */
  ensure(category: string, settings: CategorySettings): CategoryLog {
    let log = this.#logs.get(category);
    if (log === undefined) {
      log = new CategoryLog(category, settings);
      this.#logs.set(category, log);
    }
    return log;
  }

  /** The log a write goes to: made with the store's defaults, unless `createMissingStreams` is off. */
  forWrite(category: string, options: ResolvedOptions): CategoryLog {
    const log = this.#logs.get(category);
    if (log !== undefined) return log;
    if (!options.createMissingStreams) {
      throw new StreamNotFoundError(
        category,
        `category ${category} does not exist and createMissingStreams is off; call ensureCategory("${category}") first`,
      );
    }
    return this.ensure(category, defaultSettings(options, true));
  }

  /** Calls `wake` after every append to `category`. Returns the unsubscribe function. */
  watch(category: string, wake: () => void): () => void {
    let watchers = this.#watchers.get(category);
    if (watchers === undefined) {
      watchers = new Set();
      this.#watchers.set(category, watchers);
    }
    watchers.add(wake);
    return () => {
      watchers.delete(wake);
      if (watchers.size === 0 && this.#watchers.get(category) === watchers) {
        this.#watchers.delete(category);
      }
    };
  }

  notify(category: string): void {
    const watchers = this.#watchers.get(category);
    if (watchers === undefined) return;
    for (const wake of watchers) wake();
  }
}

/** The settings of a category made by a write rather than by `ensureCategory`. */
export function defaultSettings(
  options: ResolvedOptions,
  positionGuard: boolean,
): CategorySettings {
  return { positionGuard, maxBytes: options.maxBytes, replicas: options.replicas };
}
