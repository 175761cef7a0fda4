/**
 * The workload the cluster proofs disturb: writers appending to a few entities with exact
 * expected versions (so a retried write is recognised, never stored twice), and a
 * subscription recording when each message reached its handler.
 */

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { MessageStore, Subscription } from "../../src/index.ts";

export interface Acknowledged {
  readonly id: string;
  readonly stream: string;
  readonly position: number;
  /** When `write` resolved (epoch ms). */
  readonly at: number;
}

export interface Workload {
  readonly acknowledged: Acknowledged[];
  /** Message id → when its handler first ran (epoch ms). */
  readonly handled: Map<string, number>;
  /**
   * Ids of messages whose handler first ran on a redelivery: the server counted their first
   * delivery, but it never reached the subscription (lost as the consumer's leader changed),
   * so they came back only after the ack wait.
   */
  readonly firstSeenRedelivered: Set<string>;
  /** How many times handlers ran in all (more than `handled.size` means redeliveries). */
  handlerRuns(): number;
  /** Write failures the writers retried (timeouts, no leader yet), with their messages. */
  readonly retriedErrors: string[];
  /** Stops the writers and waits for them; the subscription keeps running. */
  stopWriting(): Promise<void>;
  readonly subscription: Subscription;
}

const PAUSE_BETWEEN_WRITES_MS = 5;

/** Starts `writers` entities of `category` written side by side, and a subscription on it. */
export async function startWorkload(
  store: MessageStore,
  category: string,
  writers: number,
): Promise<Workload> {
  const acknowledged: Acknowledged[] = [];
  const handled = new Map<string, number>();
  const firstSeenRedelivered = new Set<string>();
  const retriedErrors: string[] = [];
  let runs = 0;
  const subscription = store.subscribe(category, {
    consumer: "proof",
    handlers: {
      Written: (message, context) => {
        runs += 1;
        if (handled.has(message.id)) return;
        handled.set(message.id, Date.now());
        if (context.attempt > 1) firstSeenRedelivered.add(message.id);
      },
    },
  });
  await subscription.start();
  let writing = true;
  const writeEntity = async (stream: string): Promise<void> => {
    for (let position = 0; writing; position += 1) {
      const id = randomUUID();
      // Retried with the same id and expected version until acknowledged: a write that landed
      // without its reply reads as a retry, never as a second message.
      for (;;) {
        try {
          await store.write(
            stream,
            { id, type: "Written", data: { position } },
            { expectedVersion: position - 1 },
          );
          acknowledged.push({ id, stream, position, at: Date.now() });
          break;
        } catch (error) {
          retriedErrors.push(
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
          await sleep(50);
        }
      }
      await sleep(PAUSE_BETWEEN_WRITES_MS);
    }
  };
  const running = Array.from({ length: writers }, (_, index) =>
    writeEntity(`${category}-${index}`),
  );
  return {
    acknowledged,
    handled,
    firstSeenRedelivered,
    handlerRuns: () => runs,
    retriedErrors,
    subscription,
    async stopWriting() {
      writing = false;
      await Promise.all(running);
    },
  };
}

/** Resolves once `count` more writes were acknowledged after the call; their first one's time. */
export async function acknowledgedMore(
  workload: Workload,
  count: number,
  timeoutMs: number,
): Promise<number> {
  const start = workload.acknowledged.length;
  const deadline = Date.now() + timeoutMs;
  while (workload.acknowledged.length < start + count) {
    if (Date.now() > deadline) {
      throw new Error(
        `only ${workload.acknowledged.length - start} of ${count} writes acknowledged in ${timeoutMs} ms; last errors: ${workload.retriedErrors.slice(-3).join(" | ")}`,
      );
    }
    await sleep(20);
  }
  return (workload.acknowledged[start] as Acknowledged).at;
}

/** Resolves once every acknowledged message was handled, or after `timeoutMs`. */
export async function allHandled(workload: Workload, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (workload.acknowledged.some((ack) => !workload.handled.has(ack.id))) {
    if (Date.now() > deadline) return;
    await sleep(50);
  }
}

/**
 * The longest any acknowledged message waited for its handler, counted from when it was
 * acknowledged or from when the cluster accepted writes again, whichever is later. Messages
 * the server lost on their way (`firstSeenRedelivered`) wait for the ack wait instead and
 * are left out; the proofs count them separately.
 */
export function longestWaitMs(workload: Workload, writableAgainAt: number): number {
  let longest = 0;
  for (const ack of workload.acknowledged) {
    if (workload.firstSeenRedelivered.has(ack.id)) continue;
    const handledAt = workload.handled.get(ack.id) ?? Date.now();
    longest = Math.max(longest, handledAt - Math.max(ack.at, writableAgainAt));
  }
  return longest;
}

/** When the first handler run at or after `since` happened (epoch ms); now if none did. */
export function firstHandledAfter(workload: Workload, since: number): number {
  let first = Number.POSITIVE_INFINITY;
  for (const at of workload.handled.values()) if (at >= since && at < first) first = at;
  return Number.isFinite(first) ? first : Date.now();
}
