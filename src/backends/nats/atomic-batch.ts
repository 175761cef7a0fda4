/**
 * A JetStream atomic batch (ADR-50, nats-server ≥ 2.12), sent by hand: every message carries
 * `Nats-Batch-Id` and its 1-based `Nats-Batch-Sequence`; the last one also `Nats-Batch-Commit`
 * and a reply subject. The server stores all or none and answers the commit with one
 * acknowledgement, or with the real error code (10071/10077), which nats.js `Batch.commit()`
 * would hide behind a count mismatch.
 */
import { randomUUID } from "node:crypto";
import { type MsgHdrs, headers as newHeaders } from "@nats-io/transport-node";
import { withMessageHeaders } from "./message-headers.ts";
import { type PublishOutcome, readAck } from "./publish.ts";
import type { Requester } from "./requester.ts";

export interface BatchEntry {
  readonly subject: string;
  readonly body: Uint8Array;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

export async function publishAtomicBatch(
  requester: Requester,
  storage: string,
  entries: readonly BatchEntry[],
  firstHeaders: MsgHdrs | undefined,
  timeoutMs: number,
): Promise<PublishOutcome> {
  const batchId = randomUUID();
  const last = entries.length - 1;
  for (let index = 0; index < last; index += 1) {
    const entry = entries[index] as BatchEntry;
    const headers = index === 0 && firstHeaders !== undefined ? firstHeaders : newHeaders();
    withMessageHeaders(headers, entry.headers);
    headers.set("Nats-Batch-Id", batchId);
    headers.set("Nats-Batch-Sequence", String(index + 1));
    requester.publish(entry.subject, entry.body, headers);
  }
  const commit = entries[last] as BatchEntry;
  const headers = last === 0 && firstHeaders !== undefined ? firstHeaders : newHeaders();
  withMessageHeaders(headers, commit.headers);
  headers.set("Nats-Batch-Id", batchId);
  headers.set("Nats-Batch-Sequence", String(last + 1));
  headers.set("Nats-Batch-Commit", "1");
  const reply = await requester.request(commit.subject, commit.body, timeoutMs, headers);
  return readAck(storage, reply.data);
}
