/**
 * Publishing to JetStream with our own request, so the acknowledgement's error code reaches
 * `jetstream-errors.ts` untouched, and retrying what is worth retrying.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type MsgHdrs, TimeoutError as NatsTimeoutError } from "@nats-io/transport-node";
import { TimeoutError } from "../../errors.ts";
import { TRANSIENT_RETRY_DELAY_MS } from "../../options.ts";
import type { ConnectionWatch } from "./connection.ts";
import {
  apiFailureOf,
  classifyPublishFailure,
  isTransientFailure,
  type PublishRefusal,
} from "./jetstream-errors.ts";
import type { Requester } from "./requester.ts";

export type PublishOutcome =
  | { readonly stored: true; readonly sequence: number }
  | { readonly stored: false; readonly refusal: PublishRefusal };

const utf8 = new TextDecoder();

/** Reads a publish acknowledgement: `{ stream, seq }` or `{ error }`. */
export function readAck(storage: string, reply: Uint8Array): PublishOutcome {
  const ack: unknown = JSON.parse(utf8.decode(reply));
  const failure = apiFailureOf(ack);
  if (failure !== undefined)
    return { stored: false, refusal: classifyPublishFailure(storage, failure) };
  const sequence = (ack as { seq?: unknown }).seq;
  if (typeof sequence !== "number") throw new Error(`unexpected JetStream acknowledgement`);
  return { stored: true, sequence };
}

/** One message, acknowledged. */
export async function publishOne(
  requester: Requester,
  storage: string,
  subject: string,
  body: Uint8Array,
  headers: MsgHdrs | undefined,
  timeoutMs: number,
): Promise<PublishOutcome> {
  const reply = await requester.request(subject, body, timeoutMs, headers);
  return readAck(storage, reply.data);
}

/** One attempt waits at most this long for its answer before it is sent again. */
export const PUBLISH_ATTEMPT_TIMEOUT_MS = 2000;

/** The longest pause between two attempts nobody answered. */
export const MAX_TRANSIENT_RETRY_DELAY_MS = 1000;

/**
 * Runs `attempt` until it answers or `timeoutMs` has passed: while the connection is down it
 * waits for the reconnect; an attempt without an answer is sent again (a message that did
 * land makes the next attempt conflict, which the writer resolves as a retry); nobody
 * answering is retried with a doubling pause, since JetStream restarting or electing a new
 * stream leader (5–6 s after a leader dies) looks just like that. `whenNobodyAnswers` may
 * throw to stop early, when it finds the stream gone. Running out of time is `TimeoutError`:
 * the write may or may not have landed, and a retry with the same message ids is safe.
 */
export async function withTransientRetries<T>(
  what: string,
  timeoutMs: number,
  watch: ConnectionWatch,
  attempt: (attemptTimeoutMs: number) => Promise<T>,
  whenNobodyAnswers: () => Promise<void> = async () => {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const timedOut = (cause?: unknown): TimeoutError =>
    new TimeoutError(
      `${what}: no answer from NATS within ${timeoutMs} ms; retrying with the same message ids is safe`,
      timeoutMs,
      { cause },
    );
  let delay = TRANSIENT_RETRY_DELAY_MS;
  for (;;) {
    if (!(await watch.whenConnected(deadline))) throw timedOut();
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timedOut();
    try {
      return await attempt(Math.min(remaining, PUBLISH_ATTEMPT_TIMEOUT_MS));
    } catch (error) {
      if (error instanceof NatsTimeoutError) {
        if (Date.now() >= deadline) throw timedOut(error);
        continue;
      }
      if (!isTransientFailure(error)) throw error;
      await whenNobodyAnswers();
      if (Date.now() >= deadline) throw timedOut(error);
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, MAX_TRANSIENT_RETRY_DELAY_MS);
  }
}
