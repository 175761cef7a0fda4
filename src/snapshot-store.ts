/**
 * The backend capability behind entity snapshots (`Backend.snapshots`): a small key-value
 * store with one slot per entity stream. What goes into a slot, when it is written and how a
 * bad one is treated is the entity layer's business (`src/entities/`); a backend only keeps
 * the bytes.
 *
 * - One slot per stream; a `write` replaces the slot's bytes (last writer wins, no history).
 * - A slot is independent of the stream: writing one never changes the stream's version, and
 *   the entity layer never trusts a slot without checking it against the stream.
 * - `read` of a slot never written resolves `undefined`. A failure to reach the storage
 *   throws; the entity layer turns that into a warning and reads the stream instead.
 *
 * On NATS a slot is a key in a JetStream KV bucket per category; on memory, a map entry that
 * lives as long as the backend.
 */
import type { ParsedStream } from "./stream-name.ts";

export interface SnapshotStore {
  /** The bytes last written for `stream`, or `undefined` when none were. */
  read(stream: ParsedStream): Promise<Uint8Array | undefined>;
  /** Replaces the bytes kept for `stream`. */
  write(stream: ParsedStream, bytes: Uint8Array): Promise<void>;
}
