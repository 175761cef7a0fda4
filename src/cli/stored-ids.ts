/**
 * What an import finds already stored. Re-importing a file would otherwise fail one write
 * per message and let the store search for the retried id each time; reading each stream's
 * stored ids a page at a time and comparing them here costs one read per page instead.
 */
import type { MessageStore, StreamRef } from "../index.ts";

const PAGE = 1000;

export class StoredIds {
  readonly #store: MessageStore;
  /** Each stream's version when the import first met it; later positions are free. */
  readonly #versions = new Map<string, number>();
  /** Ids read ahead and not yet compared, by stream, then position. */
  readonly #pages = new Map<string, Map<number, string>>();

  constructor(store: MessageStore) {
    this.#store = store;
  }

  /**
   * The id stored at `position` of `stream` (named `name`), or `undefined` when the position
   * was free when the import began on that stream. Calls for one stream must not overlap.
   */
  async idAt(stream: StreamRef, name: string, position: number): Promise<string | undefined> {
    let version = this.#versions.get(name);
    if (version === undefined) {
      version = await this.#store.version(stream);
      this.#versions.set(name, version);
    }
    if (position > version) return undefined;
    let page = this.#pages.get(name);
    if (page?.has(position) !== true) {
      page = new Map();
      const messages = this.#store.read(stream, { fromPosition: position, maxCount: PAGE });
      for await (const message of messages) page.set(message.position, message.id);
      this.#pages.set(name, page);
    }
    const id = page.get(position);
    page.delete(position);
    if (page.size === 0) this.#pages.delete(name);
    return id;
  }
}
