// The public surface, listed by name. Internals stay behind the module boundary.
export type {
  Backend,
  BackendStatus,
  CategorySettings,
  CategoryStats,
  ConsumerInfo,
  ConsumerSource,
  ConsumerSpec,
  DeadLetter,
  DeadLetterReason,
  DeadLetterRecord,
  Delivery,
  RawMessage,
  StartAt,
  TailStart,
  WriteResult,
} from "./backend.ts";
export { connect, MESSAGE_STORE_URL_ENV } from "./connect.ts";
export type { DeadLettersOptions, RedriveOptions } from "./consumer-admin.ts";
export {
  CAUSATION_ID_KEY,
  type Decision,
  type Entity,
  type EntityCacheOptions,
  type EntityHandler,
  type EntityHandlers,
  type EntityOptions,
  type EntitySnapshotOptions,
  type EntityStore,
  type HandleOptions,
  type HandleResult,
  type StoreHandleOptions,
} from "./entities/index.ts";
export {
  ClosedError,
  ConnectionError,
  ExpectedVersionError,
  InvalidMessageError,
  InvalidOptionsError,
  InvalidStreamNameError,
  isClosedError,
  isConnectionError,
  isExpectedVersionError,
  isInvalidMessageError,
  isInvalidOptionsError,
  isInvalidStreamNameError,
  isMalformedMessageError,
  isMessageStoreError,
  isStreamFullError,
  isStreamNotFoundError,
  isTimeoutError,
  isUnsupportedError,
  isUnsupportedServerError,
  MalformedMessageError,
  MessageStoreError,
  type MessageStoreErrorCode,
  StreamFullError,
  StreamNotFoundError,
  TimeoutError,
  UnsupportedError,
  UnsupportedServerError,
} from "./errors.ts";
export {
  assertExpectedVersion,
  type ExpectedVersion,
  matchesExpectedVersion,
} from "./expected-version.ts";
export { findRetriedWrite } from "./idempotency.ts";
export type {
  JsonValue,
  Message,
  Metadata,
  PreparedMessage,
  RecordedMessage,
} from "./message.ts";
export {
  type Logger,
  type MessageStoreOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.ts";
export type { SnapshotStore } from "./snapshot-store.ts";
export type { StartAtOption } from "./start-at.ts";
export {
  type CategoryRef,
  type EnsureCategoryOptions,
  type FetchOptions,
  MessageStore,
  type Projection,
  type ReadCategoryOptions,
  type ReadOptions,
  type TailOptions,
  type WaitForOptions,
  type WriteOptions,
} from "./store.ts";
export {
  cardinalId,
  category,
  categoryTypes,
  id,
  isCategory,
  type ParsedStream,
  type ParsedTarget,
  type StreamRef,
  streamName,
  type TargetRef,
} from "./stream-name.ts";
export { fnv1a32, groupDurableName, groupMemberFor } from "./subscribe/group.ts";
export { type RunUntilSignalOptions, runUntilSignal } from "./subscribe/run-until-signal.ts";
export type {
  ConsumedMessage,
  ConsumeOptions,
  ConsumerGroup,
  ConsumerOptions,
  Handler,
  HandlerContext,
  Handlers,
  RetryDelay,
  SubscribeOptions,
  Subscription,
  SubscriptionStatus,
} from "./subscribe/types.ts";
