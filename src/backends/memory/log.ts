/**
 * One category's append-only log, the memory backend's equivalent of a JetStream stream.
 * An entry's global position is its 1-based index in the log; a stream is the list of global
 * positions of its entries, so a position is an index into that list and stays dense.
 */
import type { CategorySettings, WriteResult } from "../../backend.ts";
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
  /** When the original was stored: a dead letter's message keeps its time. */
  readonly originalTimeMs: number;
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

/** Constant for the process: read once rather than through its checking getter on every write. */
const TIME_ORIGIN_MS = performance.timeOrigin;

/** The precise store clock. `waitFor` reads the same clock, so "stored at or after" is exact. */
export function preciseNowMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}

/** A stream's name parts, shared by all its entries. */
interface StreamIdentity {
  readonly category: string;
  readonly id: string;
  readonly name: string;
}

/**
 * One stream of a log. Its entries share its identity: a write's parsed stream name is made
 * afresh by every call, and keeping those copies per entry would hold three strings per
 * message for as long as the log lives.
 */
interface StreamEntries extends StreamIdentity {
  /** The global positions of the stream's entries, in position order. */
  readonly positions: number[];
}

/**
 * The log keeps its entries as columns, one array per field indexed by log index, and makes a
 * `StoredEntry` only when one is asked for. An object per entry (and a view per body) lived as
 * long as the log, so every write left objects the garbage collector had to copy out of the
 * young generation and then trace forever; the columns hold numbers and references to shared
 * objects, which cost it almost nothing.
 */
export class CategoryLog {
  readonly name: string;
  readonly settings: CategorySettings;
  readonly #identities: StreamIdentity[] = [];
  /** The position in the stream; for a dead letter, the original's. */
  readonly #positions: number[] = [];
  readonly #storedAtMs: number[] = [];
  /** Each body as the buffer it lies in, its offset there and its length: no view is kept. */
  readonly #bodyBuffers: ArrayBufferLike[] = [];
  readonly #bodyOffsets: number[] = [];
  readonly #bodyLengths: number[] = [];
  readonly #deadLetters: (DeadLetterInfo | undefined)[] = [];
  readonly #streams = new Map<string, StreamEntries>();
  /** Log indexes of removed entries (discarded or re-driven dead letters): `at` no longer finds them. */
  readonly #removed = new Set<number>();
  #bytes = 0;

  constructor(name: string, settings: CategorySettings) {
    this.name = name;
    this.settings = settings;
  }

  get length(): number {
    return this.#identities.length;
  }

  /** Sum of the stored bodies' lengths: what `maxBytes` limits. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The entry at a 0-based log index (global position − 1), made afresh on every call. */
  at(index: number): StoredEntry | undefined {
    const identity = this.#identities[index];
    if (identity === undefined || this.#removed.has(index)) return undefined;
    return {
      globalPosition: index + 1,
      category: identity.category,
      streamId: identity.id,
      streamName: identity.name,
      position: this.#positions[index] as number,
      body: new Uint8Array(
        this.#bodyBuffers[index] as ArrayBufferLike,
        this.#bodyOffsets[index],
        this.#bodyLengths[index],
      ),
      storedAtMs: this.#storedAtMs[index] as number,
      deadLetter: this.#deadLetters[index],
    };
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
    return this.#streams.get(streamName)?.positions;
  }

  version(streamName: string): number {
    const stream = this.#streams.get(streamName);
    return stream === undefined ? -1 : stream.positions.length - 1;
  }

  /** `true` when `bytes` more would take the log over its byte limit. */
  wouldOverflow(bytes: number): boolean {
    const limit = this.settings.maxBytes;
    return limit !== undefined && this.#bytes + bytes > limit;
  }

  /**
   * Appends the messages' bodies to the end of `stream`; the caller has checked version and
   * limits. Returns the place of the last one.
   */
  appendToStream(
    stream: ParsedStream,
    messages: readonly { readonly body: Uint8Array }[],
    storedAtMs: number,
  ): WriteResult {
    if (messages.length === 0) throw new RangeError("appendToStream needs at least one body");
    const entries = this.#streamEntries(stream);
    for (const { body } of messages) {
      entries.positions.push(this.length + 1);
      this.#push(entries, entries.positions.length - 1, body, storedAtMs, undefined);
    }
    return { position: entries.positions.length - 1, globalPosition: this.length };
  }

  /** The stream's entries, made (with the names of this first write) when it has none yet. */
  #streamEntries(stream: ParsedStream): StreamEntries {
    let entries = this.#streams.get(stream.name);
    if (entries === undefined) {
      entries = { category: stream.category, id: stream.id, name: stream.name, positions: [] };
      this.#streams.set(stream.name, entries);
    }
    return entries;
  }

  /** Appends a dead letter: `original`'s identity and body, outside every stream of this log. */
  appendDeadLetter(original: StoredEntry, info: DeadLetterInfo, storedAtMs: number): StoredEntry {
    const identity: StreamIdentity = {
      category: original.category,
      id: original.streamId,
      name: original.streamName,
    };
    this.#push(identity, original.position, original.body, storedAtMs, info);
    return this.at(this.length - 1) as StoredEntry;
  }

  #push(
    identity: StreamIdentity,
    position: number,
    body: Uint8Array,
    storedAtMs: number,
    deadLetter: DeadLetterInfo | undefined,
  ): void {
    this.#identities.push(identity);
    this.#positions.push(position);
    this.#storedAtMs.push(storedAtMs);
    this.#bodyBuffers.push(body.buffer);
    this.#bodyOffsets.push(body.byteOffset);
    this.#bodyLengths.push(body.byteLength);
    this.#deadLetters.push(deadLetter);
    this.#bytes += body.byteLength;
  }

  /** The index of the first entry stored at or after `sinceMs` (the store clock never goes back). */
  firstIndexSince(sinceMs: number): number {
    const storedAtMs = this.#storedAtMs;
    let low = 0;
    let high = storedAtMs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((storedAtMs[middle] as number) < sinceMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
