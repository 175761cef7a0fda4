/**
 * `message-store/backend`: what someone writing a backend of their own needs, kept apart
 * from the main entry so that users of the store see only the store. The contract itself is
 * `Backend` (read `src/backend.ts`, or docs/backends.md); prove an implementation with
 * `runConformance` from `message-store/testing`.
 */
export type {
  Backend,
  BackendStatus,
  CategorySettings,
  ConsumerSource,
  ConsumerSpec,
  DeadLetter,
  DeadLetterReason,
  Delivery,
  RawMessage,
  TailStart,
} from "./backend.ts";
export { assertExpectedVersion, matchesExpectedVersion } from "./expected-version.ts";
export type { PreparedMessage } from "./message.ts";
export { type ResolvedOptions, resolveOptions } from "./options.ts";
export type { SnapshotStore } from "./snapshot-store.ts";
export type { ParsedStream, ParsedTarget } from "./stream-name.ts";
export { markUncertainAppend } from "./uncertain-append.ts";
