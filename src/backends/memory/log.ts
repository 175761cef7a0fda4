/**
 * One category's append-only log, the memory backend's equivalent of a JetStream stream.
 * An entry's global position is its 1-based index in the log; a stream is the list of global
 * positions of its entries, so a position is an index into that list and stays dense.
 */
import type { CategorySettings } from "../../backend.ts";
import type { ParsedStream } from "../../stream-name.ts";

/** What a dead letter keeps besides the original body (the NATS backend keeps these in headers). */
export interface DeadLetterInfo {
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly consumer: string;
  /** The original message's stream name, e.g. `account-1`. */
  readonly originalStream: string;
  /** The category log the original lived in. */
  readonly originalStorage: string;
  /** The original's global position in that log. */
  readonly originalSequence: number;
}

export interface StoredEntry {
  readonly globalPosition: number;
  readonly category: string;
  readonly streamId: string;
  readonly streamName: string;
  readonly position: number;
  /** The encoded body; never handed out, so callers cannot change what is stored. */
  readonly body: Uint8Array;
  /** Milliseconds since the epoch, fractional (`performance.timeOrigin + performance.now()`). */
  readonly storedAtMs: number;
  /**
   * Set on dead letters. They carry the original stream's identity for readers, but belong to
   * no stream of this log: `version` and `readStreamPages` of the dead-letter category ignore them.
   */
  readonly deadLetter: DeadLetterInfo | undefined;
}

/** The precise store clock. `waitFor` reads the same clock, so "stored at or after" is exact. */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class CategoryLog {
  readonly name: string;
  readonly settings: CategorySettings;
  readonly #entries: StoredEntry[] = [];
  /** Stream name → the global positions of its entries, in position order. */
  readonly #streams = new Map<string, number[]>();
  /** Log indexes of removed entries (discarded or re-driven dead letters): `at` no longer finds them. */
  readonly #removed = new Set<number>();
  #bytes = 0;

  constructor(name: string, settings: CategorySettings) {
    this.name = name;
    this.settings = settings;
  }

  get length(): number {
    return this.#entries.length;
  }

  /** Sum of the stored bodies' lengths: what `maxBytes` limits. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The entry at a 0-based log index (global position − 1). */
  at(index: number): StoredEntry | undefined {
    return this.#removed.has(index) ? undefined : this.#entries[index];
  }

  /**
   * Removes a dead letter, as JetStream deletes a message by sequence: its global position
   * stays taken. Entries of streams are never removed (positions must stay dense). Returns
   * `false` when there is no dead letter there.
   */
  removeDeadLetter(globalPosition: number): boolean {
    const entry = this.at(globalPosition - 1);
    if (entry?.deadLetter === undefined) return false;
    this.#removed.add(globalPosition - 1);
    this.#bytes -= entry.body.length;
    return true;
  }

  /** The global positions of a stream's entries; `undefined` for a stream never written. */
  streamPositions(streamName: string): readonly number[] | undefined {
    return this.#streams.get(streamName);
  }

  version(streamName: string): number {
    const positions = this.#streams.get(streamName);
    return positions === undefined ? -1 : positions.length - 1;
  }

  /** `true` when `bytes` more would take the log over its byte limit. */
  wouldOverflow(bytes: number): boolean {
    const limit = this.settings.maxBytes;
    return limit !== undefined && this.#bytes + bytes > limit;
  }

  /** Appends bodies to the end of `stream`; the caller has checked version and limits. Returns the last entry. */
  appendToStream(
    stream: ParsedStream,
    bodies: readonly Uint8Array[],
    storedAtMs: number,
  ): StoredEntry {
    let positions = this.#streams.get(stream.name);
    if (positions === undefined) {
      positions = [];
      this.#streams.set(stream.name, positions);
    }
    let last: StoredEntry | undefined;
    for (const body of bodies) {
      last = {
        globalPosition: this.#entries.length + 1,
        category: stream.category,
        streamId: stream.id,
        streamName: stream.name,
        position: positions.length,
        body,
        storedAtMs,
        deadLetter: undefined,
      };
      this.#entries.push(last);
      positions.push(last.globalPosition);
      this.#bytes += body.length;
    }
    if (last === undefined) throw new RangeError("appendToStream needs at least one body");
    return last;
  }

  /** Appends a dead letter: `original`'s identity and body, outside every stream of this log. */
  appendDeadLetter(original: StoredEntry, info: DeadLetterInfo, storedAtMs: number): StoredEntry {
    const entry: StoredEntry = {
      globalPosition: this.#entries.length + 1,
      category: original.category,
      streamId: original.streamId,
      streamName: original.streamName,
      position: original.position,
      body: original.body,
      storedAtMs,
      deadLetter: info,
    };
    this.#entries.push(entry);
    this.#bytes += entry.body.length;
    return entry;
  }

  /** The index of the first entry stored at or after `sinceMs` (the store clock never goes back). */
  firstIndexSince(sinceMs: number): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#entries[middle] as StoredEntry).storedAtMs < sinceMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
