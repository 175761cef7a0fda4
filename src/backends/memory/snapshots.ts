/**
 * Entity snapshots on the memory backend: one map entry per stream, shared by the stores
 * opened on one data set (`connect("memory:name")`) as NATS shares its KV buckets, and gone
 * with the data. The bytes are copied in and out so a caller can never change what is stored.
 */
import type { SnapshotStore } from "../../snapshot-store.ts";
import type { ParsedStream } from "../../stream-name.ts";
import type { MemoryData } from "./shared-data.ts";

type Slots = Map<string, Uint8Array>;

const slotsByData = new WeakMap<MemoryData, Slots>();

/** The snapshot slots of one data set, made on first use. */
export function snapshotSlotsOf(data: MemoryData): Slots {
  let slots = slotsByData.get(data);
  if (slots === undefined) {
    slots = new Map();
    slotsByData.set(data, slots);
  }
  return slots;
}

export class MemorySnapshots implements SnapshotStore {
  readonly #slots: Slots;
  readonly #assertOpen: () => void;

  constructor(slots: Slots, assertOpen: () => void) {
    this.#slots = slots;
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
