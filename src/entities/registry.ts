/**
 * The entity stores a `MessageStore` made, by category, so that a write through the store
 * (by `handle` or by `store.write`) moves their cached entities forward, and `close()` can
 * wait for their snapshots. Held weakly: an entity store nobody uses any more is let go.
 */
import type { WriteResult } from "../backend.ts";
import type { RecordedMessage } from "../message.ts";
import type { ParsedStream } from "../stream-name.ts";
import { recordedFromWrite, type WrittenMessage } from "./records.ts";

export interface WriteListener {
  written(stream: ParsedStream, events: readonly RecordedMessage[]): void;
  flush(): Promise<void>;
}

export class EntityRegistry {
  readonly #byCategory = new Map<string, Set<WeakRef<WriteListener>>>();

  add(category: string, listener: WriteListener): void {
    let listeners = this.#byCategory.get(category);
    if (listeners === undefined) {
      listeners = new Set();
      this.#byCategory.set(category, listeners);
    }
    listeners.add(new WeakRef(listener));
  }

  /** Called by the store after each successful write. Costs nothing for a category without entity stores. */
  written(stream: ParsedStream, messages: readonly WrittenMessage[], result: WriteResult): void {
    const listeners = this.#byCategory.get(stream.category);
    if (listeners === undefined) return;
    const events = recordedFromWrite(stream, messages, result, new Date());
    for (const reference of listeners) {
      const listener = reference.deref();
      if (listener === undefined) listeners.delete(reference);
      else listener.written(stream, events);
    }
  }

  /** Waits for every snapshot the entity stores are writing. */
  async flush(): Promise<void> {
    const flushes: Promise<void>[] = [];
    for (const listeners of this.#byCategory.values()) {
      for (const reference of listeners) {
        const listener = reference.deref();
        if (listener !== undefined) flushes.push(listener.flush());
      }
    }
    await Promise.all(flushes);
  }
}
