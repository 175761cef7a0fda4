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
  type MessageIssue,
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
  Followed,
  Message,
  MessageOfType,
  Metadata,
  PreparedMessage,
  RecordedMessage,
} from "./message.ts";
export {
  type CompiledSpec,
  type Contracted,
  contractOf,
  type DataOf,
  type DeclaredMessage,
  declared,
  defineCategory,
  type MessageContract,
  type MessageOf,
  type MessageSpec,
  type MessageSpecs,
  type MessageToWrite,
  type MessageToWriteOf,
  type RecordedMessageOf,
  type StreamOf,
  type TypedCategory,
  type TypedStream,
  type Upcaster,
  type VersionedMessage,
} from "./messages/contract.ts";
export { follow, isCorrelated } from "./messages/follow.ts";
export {
  CAUSATION_GLOBAL_POSITION,
  CAUSATION_POSITION,
  CAUSATION_STREAM_NAME,
  CORRELATION_STREAM_NAME,
  ORIGIN_SUBJECT,
  REPLY_STREAM_NAME,
  SCHEMA_VERSION,
  TRACE_ID,
} from "./messages/metadata-keys.ts";
export type {
  SchemaInput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
} from "./messages/standard-schema.ts";
export { schemaVersionOf } from "./messages/upcast.ts";
export {
  type Logger,
  type MessageStoreOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./options.ts";
export type { StartAtOption } from "./start-at.ts";
export {
  type CategoryRef,
  type EnsureCategoryOptions,
  type FetchOptions,
  MessageStore,
  type Projection,
  type Projections,
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
  DeliveryContext,
  Handler,
  HandlerContext,
  Handlers,
  RetryDelay,
  SubscribeOptions,
  Subscription,
  SubscriptionStatus,
} from "./subscribe/types.ts";
