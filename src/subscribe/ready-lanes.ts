/**
 * The lanes whose head may run, oldest head first. A binary heap keyed by the head's arrival:
 * with a backlog interleaved over many streams nearly every held delivery heads a lane of its
 * own, and scanning them all for the oldest on every pick made each delivery cost O(held).
 */
interface Entry {
  readonly laneKey: string;
  readonly arrival: number;
}

export class ReadyLanes {
  readonly #heap: Entry[] = [];
  readonly #members = new Set<string>();

  get size(): number {
    return this.#heap.length;
  }

  /** Marks a lane ready; `arrival` is its head's. A lane already ready is left as it is. */
  add(laneKey: string, arrival: number): void {
    if (this.#members.has(laneKey)) return;
    this.#members.add(laneKey);
    const heap = this.#heap;
    heap.push({ laneKey, arrival });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((heap[parent] as Entry).arrival <= (heap[index] as Entry).arrival) break;
      [heap[parent], heap[index]] = [heap[index] as Entry, heap[parent] as Entry];
      index = parent;
    }
  }

  /** The ready lane whose head arrived first, no longer ready; `undefined` when none is. */
  takeOldest(): string | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && (heap[left] as Entry).arrival < (heap[smallest] as Entry).arrival)
          smallest = left;
        if (
          right < heap.length &&
          (heap[right] as Entry).arrival < (heap[smallest] as Entry).arrival
        )
          smallest = right;
        if (smallest === index) break;
        [heap[smallest], heap[index]] = [heap[index] as Entry, heap[smallest] as Entry];
        index = smallest;
      }
    }
    this.#members.delete(top.laneKey);
    return top.laneKey;
  }

  /** Every ready lane, oldest head first, none ready afterwards. */
  takeAll(): string[] {
    const all: string[] = [];
    for (let laneKey = this.takeOldest(); laneKey !== undefined; laneKey = this.takeOldest()) {
      all.push(laneKey);
    }
    return all;
  }
}
