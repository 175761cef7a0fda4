/**
 * Idempotent writes without stored headers (DESIGN §3). A write that conflicts may be a
 * retry of one that already landed: a write made after version v can only have landed at
 * v + 1, so look there, and if the first message's id is there, answer with that write's
 * result.
 */
import type { Backend, WriteResult } from "./backend.ts";
import type { PreparedMessage } from "./message.ts";
import { collectPages } from "./read-pages.ts";
import type { ParsedStream } from "./stream-name.ts";

/** The earlier result of this same write, when it already landed after `afterVersion`. */
export async function findRetriedWrite(
  backend: Pick<Backend, "readStreamPages">,
  stream: ParsedStream,
  afterVersion: number,
  messages: readonly PreparedMessage[],
): Promise<WriteResult | undefined> {
  const firstId = messages[0]?.id;
  if (firstId === undefined) return undefined;
  const landed = await collectPages(
    backend.readStreamPages(stream, afterVersion + 1, messages.length),
  );
  const last = landed.at(-1);
  if (landed[0]?.id !== firstId || landed.length < messages.length || last === undefined) {
    return undefined;
  }
  return { position: last.position, globalPosition: last.globalPosition };
}

const STREAMS_REMEMBERED = 10_000;
const IDS_PER_STREAM = 256;

/**
 * The ids this store instance wrote recently, per stream, so a blind write retried by the
 * same instance is answered without storing it again. Bounded on both axes: the oldest
 * stream and the oldest id go first.
 */
export class RecentWrites {
  readonly #streams = new Map<string, Map<string, WriteResult>>();

  get(stream: string, firstId: string): WriteResult | undefined {
    return this.#streams.get(stream)?.get(firstId);
  }

  remember(stream: string, firstId: string, result: WriteResult): void {
    let ids = this.#streams.get(stream);
    if (ids === undefined) {
      if (this.#streams.size >= STREAMS_REMEMBERED) {
        const oldest = this.#streams.keys().next().value;
        if (oldest !== undefined) this.#streams.delete(oldest);
      }
      ids = new Map();
      this.#streams.set(stream, ids);
    }
    if (ids.size >= IDS_PER_STREAM) {
      const oldest = ids.keys().next().value;
      if (oldest !== undefined) ids.delete(oldest);
    }
    ids.set(firstId, result);
  }

  clear(): void {
    this.#streams.clear();
  }
}
