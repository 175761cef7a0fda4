// The public surface, listed by name. Internals stay behind the module boundary.
export type {
  CategoryLayout,
  CategoryStats,
  ConsumerInfo,
  DeadLetterRecord,
  StartAt,
  WriteResult,
} from "./backend.ts";
export { connect, MESSAGE_STORE_URL_ENV } from "./connect.ts";
export type { DeadLettersOptions, RedriveOptions } from "./consumer-admin.ts";
export type { Diagnosis, Finding, FindingStatus } from "./diagnosis.ts";
export { hasWarnings } from "./diagnosis.ts";
export {
  CAUSATION_ID_KEY,
  type ContractEntityOptions,
  type ContractEntityStore,
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
  AuthorizationError,
  CategoryLayoutError,
  ClosedError,
  ConnectionError,
  ExpectedVersionError,
  InvalidMessageError,
  InvalidOptionsError,
  InvalidStreamNameError,
  isAuthorizationError,
  isCategoryLayoutError,
  isClosedError,
  isConnectionError,
  isExpectedVersionError,
  isInvalidMessageError,
  isInvalidOptionsError,
  isInvalidStreamNameError,
  isMalformedMessageError,
  isMessageStoreError,
  isNatsContextError,
  isReplicasUnavailableError,
  isStreamFullError,
  isStreamNotFoundError,
  isTimeoutError,
  isUnsupportedError,
  isUnsupportedServerError,
  MalformedMessageError,
  type MessageIssue,
  MessageStoreError,
  type MessageStoreErrorCode,
  NatsContextError,
  ReplicasUnavailableError,
  StreamFullError,
  StreamNotFoundError,
  TimeoutError,
  UnsupportedError,
  UnsupportedServerError,
} from "./errors.ts";
export type { ExpectedVersion } from "./expected-version.ts";
export { fromNats } from "./from-nats.ts";
export { MAX_JSON_DEPTH } from "./json-check.ts";
export {
  type Followed,
  type JsonValue,
  MAX_MESSAGES_PER_WRITE,
  type Message,
  type MessageOfType,
  type Metadata,
  type RecordedMessage,
} from "./message.ts";
export {
  type DataOf,
  type DeclaredMessage,
  declared,
  defineCategory,
  type MessageOf,
  type MessageSpec,
  type MessageSpecs,
  type MessageToWrite,
  type RecordedMessageOf,
  type StreamOf,
  type TypedCategory,
  type TypedStream,
  type Upcaster,
  type VersionedMessage,
} from "./messages/contract.ts";
export { follow } from "./messages/follow.ts";
export type { StandardSchemaV1 } from "./messages/standard-schema.ts";
export type { Logger, MessageStoreOptions } from "./options.ts";
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
  MAX_CATEGORY_BYTES,
  MAX_ID_BYTES,
  MAX_PREFIX_BYTES,
  type StreamRef,
  streamName,
  type TargetRef,
} from "./stream-name.ts";
export { groupMemberFor } from "./subscribe/group.ts";
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
