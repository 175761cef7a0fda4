/**
 * Entity snapshots on the memory backend: one map entry per stream, kept as long as the
 * backend. The bytes are copied in and out so a caller can never change what is stored.
 */
import type { SnapshotStore } from "../../snapshot-store.ts";
import type { ParsedStream } from "../../stream-name.ts";

export class MemorySnapshots implements SnapshotStore {
  readonly #slots = new Map<string, Uint8Array>();
  readonly #assertOpen: () => void;

  constructor(assertOpen: () => void) {
    this.#assertOpen = assertOpen;
  }

  async read(stream: ParsedStream): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const bytes = this.#slots.get(slotOf(stream));
    return bytes === undefined ? undefined : bytes.slice();
  }

  async write(stream: ParsedStream, bytes: Uint8Array): Promise<void> {
    this.#assertOpen();
    this.#slots.set(slotOf(stream), bytes.slice());
  }
}

/** Category and id apart: `{ category: "a-b", id: "c" }` and `a-b-c` are different streams. */
function slotOf(stream: ParsedStream): string {
  return `${stream.category}\u0000${stream.id}`;
}
