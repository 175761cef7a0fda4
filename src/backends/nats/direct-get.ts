/**
 * Direct gets, and what stands in for them: the four ways the backend pulls stored messages
 * out of JetStream. One message by subject (a direct get, or a plain message get on streams
 * without `allow_direct`), a batched direct get (`multi_last`), a direct batch by sequence,
 * and, for streams without direct gets or for scans with several filters, a short-lived
 * consumer.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DirectMsgHeaders,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StoredMsg,
} from "@nats-io/jetstream";
import { type MsgHdrs, nanos } from "@nats-io/transport-node";
import { MessageStoreError } from "../../errors.ts";
import type { StoredMessage } from "./context.ts";
import type { Requester } from "./requester.ts";
import type { StorageConfig } from "./storage.ts";

/** The server's cap on subjects matched by one `multi_last` request. */
export const MULTI_LAST_LIMIT = 1024;
/** Messages per direct batch request or consumer fetch. */
export const PAGE_SIZE = 1024;
const TOO_MANY_RESULTS = 413;
const NOT_FOUND = 404;
/** The status that ends a direct get's batch of answers. */
const END_OF_BATCH = 204;
const JETSTREAM_API = "$JS.API";
const utf8 = new TextEncoder();

const SCAN_INACTIVE_THRESHOLD_MS = 30_000;
const SCAN_FETCH_EXPIRES_MS = 5_000;

/** A message delivered by a consumer, in the shape every reader decodes. */
export function storedFromDelivery(storage: string, message: JsMsg): StoredMessage {
  return {
    storage,
    subject: message.subject,
    sequence: message.seq,
    data: message.data,
    time: message.time,
    headers: message.headers,
  };
}

/**
 * A direct get's answer. Its place is in headers; nats.js's getters look each one up by
 * copying and filtering the header names, three times per message, which showed in entity
 * reads (W3), so the headers are walked once here instead.
 */
function storedFromHeaders(storage: string, header: MsgHdrs, data: Uint8Array): StoredMessage {
  let subject = "";
  let sequence = "";
  let timestamp = "";
  for (const [name, values] of header) {
    const value = values.at(-1) ?? "";
    if (name === DirectMsgHeaders.Subject) subject = value;
    else if (name === DirectMsgHeaders.Sequence) sequence = value;
    else if (name === DirectMsgHeaders.TimeStamp) timestamp = value;
  }
  return {
    storage,
    subject,
    sequence: Number.parseInt(sequence, 10) || 0,
    data,
    time: new Date(Date.parse(timestamp)),
    headers: header,
  };
}

/**
 * A plain message get's answer (`$JS.API.STREAM.MSG.GET`, for streams without `allow_direct`).
 * Its place is in the JSON reply, which nats.js's getters read; its headers are only the
 * message's own, never the `Nats-Subject`/`Nats-Sequence` a direct get adds.
 */
export function storedFromMessageGet(storage: string, message: StoredMsg): StoredMessage {
  const header = message.header;
  return {
    storage,
    subject: message.subject,
    sequence: message.seq,
    data: message.data,
    time: message.time,
    headers: header.keys().length > 0 ? header : undefined,
  };
}

/**
 * The last message on `subject` (a wildcard is fine), or `undefined`. A direct get goes
 * through the store's requester, like the batched ones: nats.js `direct.getMessage` builds
 * an `Error` with a stack trace per request, and this lookup runs beside every blind write
 * that may be racing other processes (bench:storm) and every entity freshness check.
 */
export async function lastOnSubject(
  manager: JetStreamManager,
  requester: Requester,
  storage: StorageConfig,
  subject: string,
  timeoutMs: number,
): Promise<StoredMessage | undefined> {
  if (storage.direct) return directGetLast(requester, storage.name, subject, timeoutMs);
  const found = await manager.streams.getMessage(storage.name, { last_by_subj: subject });
  return found === null ? undefined : storedFromMessageGet(storage.name, found);
}

/** How many messages `subject` (no wildcard) holds: one stream-info request with a subject filter. */
export async function messagesOnSubject(
  manager: JetStreamManager,
  storage: StorageConfig,
  subject: string,
): Promise<number> {
  const info = await manager.streams.info(storage.name, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/**
 * One batched direct get: the stored messages the server answers with, then its status
 * message (204 end of batch, 404 nothing found, 413 too many subjects for `multi_last`; any
 * other status is a `MessageStoreError`). Sent through the store's requester rather than
 * nats.js `direct`, whose iterator, per-message wrapper and per-request Error were a tenth
 * of an entity read's client CPU (bench W3).
 */
async function directGetBatch(
  requester: Requester,
  storage: string,
  request: Record<string, unknown>,
  timeoutMs: number,
): Promise<{ readonly found: StoredMessage[]; readonly tooMany: boolean }> {
  const found: StoredMessage[] = [];
  let tooMany = false;
  await requester.requestReplies(
    `${JETSTREAM_API}.DIRECT.GET.${storage}`,
    utf8.encode(JSON.stringify(request)),
    timeoutMs,
    (reply) => {
      const header = reply.headers;
      if (header === undefined)
        throw new Error(`direct get on ${storage}: a reply without headers`);
      if (header.code === 0) {
        found.push(storedFromHeaders(storage, header, reply.data));
        return false;
      }
      if (header.code === TOO_MANY_RESULTS) tooMany = true;
      else if (header.code !== END_OF_BATCH && header.code !== NOT_FOUND) {
        throw new MessageStoreError(
          `direct get on ${storage} failed: ${header.code} ${header.description}`,
          "BACKEND",
        );
      }
      return true;
    },
  );
  return { found, tooMany };
}

/** One direct get `last_by_subj`: a single reply, the message or a 404 status. */
async function directGetLast(
  requester: Requester,
  storage: string,
  subject: string,
  timeoutMs: number,
): Promise<StoredMessage | undefined> {
  const request = utf8.encode(JSON.stringify({ last_by_subj: subject }));
  const reply = await requester.request(
    `${JETSTREAM_API}.DIRECT.GET.${storage}`,
    request,
    timeoutMs,
  );
  const header = reply.headers;
  if (header === undefined) throw new Error(`direct get on ${storage}: a reply without headers`);
  if (header.code === NOT_FOUND) return undefined;
  if (header.code !== 0) {
    throw new MessageStoreError(
      `direct get on ${storage} failed: ${header.code} ${header.description}`,
      "BACKEND",
    );
  }
  return storedFromHeaders(storage, header, reply.data);
}

/**
 * The last message of each subject matching `subjects`, in sequence order, or `"too-many"`
 * when more than `MULTI_LAST_LIMIT` subjects match. Needs `allow_direct`.
 */
export async function multiLast(
  requester: Requester,
  storage: string,
  subjects: string[],
  timeoutMs: number,
): Promise<StoredMessage[] | "too-many"> {
  const request = { multi_last: subjects, batch: MULTI_LAST_LIMIT };
  const { found, tooMany } = await directGetBatch(requester, storage, request, timeoutMs);
  return tooMany ? "too-many" : found;
}

/** Up to `count` messages from sequence `fromSequence` on, optionally only those on `filter`. Needs `allow_direct`. */
export async function directBatch(
  requester: Requester,
  storage: string,
  fromSequence: number,
  count: number,
  filter: string | undefined,
  timeoutMs: number,
): Promise<StoredMessage[]> {
  const request = {
    seq: fromSequence,
    batch: count,
    ...(filter === undefined ? {} : { next_by_subj: filter }),
  };
  return (await directGetBatch(requester, storage, request, timeoutMs)).found;
}

/**
 * Every message on `filters` from `fromSequence` on, through a temporary consumer that
 * knows at creation how many messages it will deliver, so the scan ends without waiting.
 */
export async function* scanWithConsumer(
  jetstream: JetStreamClient,
  manager: JetStreamManager,
  storage: string,
  filters: string[],
  fromSequence: number,
): AsyncGenerator<StoredMessage> {
  const info = await manager.consumers.add(storage, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, fromSequence),
    filter_subjects: filters,
    inactive_threshold: nanos(SCAN_INACTIVE_THRESHOLD_MS),
    mem_storage: true,
    num_replicas: 1,
  });
  try {
    let remaining = info.num_pending;
    if (remaining === 0) return;
    const consumer = await jetstream.consumers.get(storage, info.name);
    while (remaining > 0) {
      const batch = await consumer.fetch({
        max_messages: Math.min(remaining, PAGE_SIZE),
        expires: SCAN_FETCH_EXPIRES_MS,
      });
      let received = 0;
      for await (const message of batch) {
        received += 1;
        yield storedFromDelivery(storage, message);
      }
      if (received === 0) return;
      remaining -= received;
    }
  } finally {
    await manager.consumers.delete(storage, info.name).catch(() => false);
  }
}
