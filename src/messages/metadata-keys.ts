/**
 * The metadata keys of Eventide's and Message DB's conventions, so messages written here read
 * the same to their tools, and Zencastr's two tracing keys that `follow()` also carries.
 */
export const CAUSATION_STREAM_NAME = "causationMessageStreamName";
export const CAUSATION_POSITION = "causationMessagePosition";
export const CAUSATION_GLOBAL_POSITION = "causationMessageGlobalPosition";
export const CORRELATION_STREAM_NAME = "correlationStreamName";
export const REPLY_STREAM_NAME = "replyStreamName";
export const SCHEMA_VERSION = "schemaVersion";
/** Zencastr's: the NATS subject the first message of a chain arrived on. */
export const ORIGIN_SUBJECT = "originSubject";
/** Zencastr's: the trace the chain belongs to. */
export const TRACE_ID = "traceId";
