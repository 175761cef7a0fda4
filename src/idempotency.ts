/**
 * Idempotent writes without stored headers (DESIGN §3). A write that conflicts may be a
 * retry of one that already landed: a write made after version v can only have landed at
 * v + 1, so look there, and if the first message's id is there, answer with that write's
 * result. The store is the only caller: backends append or refuse, nothing more.
 */
import type { Backend, WriteResult } from "./backend.ts";
import type { PreparedMessage } from "./message.ts";
import { collectPages } from "./read-pages.ts";
import type { ParsedStream } from "./stream-name.ts";
import { BoundedMap } from "./util/bounded-map.ts";

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
 * Something this store instance remembers per stream and first message id, bounded on both
 * axes: the oldest stream and the oldest id go first.
 */
export class WritesByStream<Value> {
  readonly #streams = new BoundedMap<string, BoundedMap<string, Value>>(STREAMS_REMEMBERED);

  get(stream: string, firstId: string): Value | undefined {
    return this.#streams.get(stream)?.get(firstId);
  }

  remember(stream: string, firstId: string, value: Value): void {
    let ids = this.#streams.get(stream);
    if (ids === undefined) {
      ids = new BoundedMap(IDS_PER_STREAM);
      this.#streams.set(stream, ids);
    }
    ids.set(firstId, value);
  }

  forget(stream: string, firstId: string): void {
    this.#streams.get(stream)?.delete(firstId);
  }

  clear(): void {
    this.#streams.clear();
  }
}
