/**
 * Ordered concurrency: up to `concurrency` handlers at once, never two of one stream, each
 * stream in the order its messages arrived. Deliveries wait in one lane per stream; only a
 * lane's head runs. A failed head is retried here, in process, after its delay, while the
 * rest of its lane waits: a nak would let the backend redeliver it after later messages of
 * its stream. Everything held (running, waiting for a retry or queued behind one) is pinged
 * `inProgress`, so the backend does not hand it to someone else meanwhile.
 *
 * The dispatcher holds at most `capacity` deliveries; `offer` waits for room, so the pull
 * loop stops pulling and memory does not grow with the backlog.
 */
import { setMaxListeners } from "node:events";
import type { Delivery } from "../backend.ts";
import { pause } from "../util/pause.ts";
import { type AttemptDeps, attemptDelivery } from "./attempt.ts";
import { ReadyLanes } from "./ready-lanes.ts";
import {
  acknowledge,
  DEAD_LETTER_FAILURE_RETRY_MS,
  describeDelivery,
  giveUp,
  nextStep,
} from "./settle.ts";

/** Listeners on the stop signal besides the retry waits: the room waiters' wake-up and the source's. */
const MAX_LISTENERS_MARGIN = 10;

interface Queued {
  readonly delivery: Delivery;
  /** Its key in `#held`, made once: building it again per step showed in profiles (W4). */
  readonly key: string;
  /** Arrival order: among the lanes ready, the oldest head runs first, so `concurrency: 1` keeps the global order. */
  readonly arrival: number;
}

interface Lane {
  readonly deliveries: Queued[];
  /** Attempts of the head made in this process before the current one. */
  localRetries: number;
  /** How long the head waits before its next attempt here. */
  retryDelayMs: number;
}

export class OrderedDispatcher {
  readonly #deps: AttemptDeps;
  readonly #concurrency: number;
  readonly #capacity: number;
  readonly #stopped: AbortSignal;
  readonly #lanes = new Map<string, Lane>();
  /** Lanes whose head may run now. */
  readonly #ready = new ReadyLanes();
  #arrivals = 0;
  /** `storage:sequence` of every held delivery: a redelivery of one already held is ignored. */
  readonly #held = new Set<string>();
  readonly #work = new Set<Promise<void>>();
  readonly #acks = new Set<Promise<void>>();
  #running = 0;
  #roomWaiters: (() => void)[] = [];
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(deps: AttemptDeps, stopped: AbortSignal) {
    this.#deps = deps;
    this.#concurrency = deps.options.concurrency;
    this.#capacity = deps.options.batchSize + deps.options.concurrency;
    this.#stopped = stopped;
    // Every held delivery may wait out a retry delay on this signal at once; that is bounded by
    // the capacity, not a leak, so Node's warning at 10 listeners would be a false alarm.
    setMaxListeners(this.#capacity + MAX_LISTENERS_MARGIN, stopped);
    // A pull loop waiting for room must see the stop, so the subscription can drain.
    stopped.addEventListener("abort", () => this.#wakeRoomWaiters(), { once: true });
  }

  /** Handlers running right now. */
  get running(): number {
    return this.#running;
  }

  /** Deliveries held: running, waiting for a retry, or queued behind their stream's head. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Takes a delivery. Returns `undefined` when there is room for another, else a promise that
   * resolves once there is (or the stop began): no promise per delivery while the pull loop
   * keeps up (bench W4).
   */
  offer(delivery: Delivery): Promise<void> | undefined {
    const key = heldKey(delivery);
    if (this.#held.has(key)) return undefined;
    if (this.#stopped.aborted) {
      delivery.nak(0);
      return undefined;
    }
    this.#held.add(key);
    this.#startKeepAlive();
    const laneKey = laneKeyOf(delivery, key);
    const queued: Queued = { delivery, key, arrival: this.#arrivals++ };
    const lane = this.#lanes.get(laneKey);
    if (lane === undefined) {
      this.#lanes.set(laneKey, { deliveries: [queued], localRetries: 0, retryDelayMs: 0 });
      this.#ready.add(laneKey, queued.arrival);
      this.#pump();
    } else {
      lane.deliveries.push(queued);
    }
    return this.#hasRoom() ? undefined : this.#waitForRoom();
  }

  #hasRoom(): boolean {
    return this.#held.size < this.#capacity || this.#stopped.aborted;
  }

  async #waitForRoom(): Promise<void> {
    while (!this.#hasRoom()) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
  }

  /**
   * After the stop: lets the running handlers finish and settle, hands back what never
   * started, and resolves once nothing is held.
   */
  async drain(): Promise<void> {
    this.#wakeRoomWaiters();
    this.#releaseWaiting();
    while (this.#work.size > 0 || this.#acks.size > 0) {
      await Promise.all([...this.#work, ...this.#acks]);
    }
    this.#releaseWaiting();
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#ready.size > 0 && !this.#stopped.aborted) {
      const laneKey = this.#ready.takeOldest() as string;
      this.#running += 1;
      this.#track(this.#runHead(laneKey));
    }
  }

  /** An ack on its way, which `drain` waits for; `acknowledge` never rejects. */
  #trackAck(ack: Promise<void>): void {
    this.#acks.add(ack);
    void ack.then(() => this.#acks.delete(ack));
  }

  /** Work `drain` waits for: running lanes. */
  #track(work: Promise<unknown>): void {
    const tracked = work.then(
      () => {},
      () => {},
    );
    this.#work.add(tracked);
    void tracked.finally(() => this.#work.delete(tracked));
  }

  /** Makes the lane's current head eligible to run, in arrival order. */
  #markReady(laneKey: string, lane: Lane): void {
    const head = lane.deliveries[0];
    if (head !== undefined) this.#ready.add(laneKey, head.arrival);
  }

  async #runHead(laneKey: string): Promise<void> {
    const lane = this.#lanes.get(laneKey);
    const delivery = lane?.deliveries[0]?.delivery;
    if (lane === undefined || delivery === undefined) {
      this.#running -= 1;
      return;
    }
    let retrying = false;
    try {
      retrying = await this.#attemptHead(lane, delivery);
    } catch (error) {
      // Only a throwing logger or status reader gets here; the lane must move on regardless.
      this.#handBackAfterFault(delivery, error);
    } finally {
      this.#running -= 1;
    }
    if (retrying) {
      await this.#retryHead(laneKey, lane, delivery);
      return;
    }
    this.#finishHead(laneKey, lane);
  }

  /** One attempt and its settling; `true` when the head is to be tried again here. */
  async #attemptHead(lane: Lane, delivery: Delivery): Promise<boolean> {
    const attempt = delivery.deliveryCount + lane.localRetries;
    const attempted = attemptDelivery(delivery, attempt, this.#deps);
    const verdict = attempted instanceof Promise ? await attempted : attempted;
    const step = nextStep(verdict, attempt, this.#deps.options);
    switch (step.kind) {
      case "retry":
        lane.retryDelayMs = step.delayMs;
        return true;
      case "ack":
        // The ack's round trip overlaps the next handler (a lost ack means a redelivery, as
        // always); `drain` still waits for it. The lane moves on at once, which also keeps
        // the global order with `concurrency: 1`.
        this.#trackAck(acknowledge(delivery, this.#deps));
        return false;
      case "give-up":
        await giveUp(delivery, step.reason, step.error, attempt, this.#deps);
        return false;
    }
  }

  /** Waits out the head's retry delay without a slot, then makes it ready to run again. */
  async #retryHead(laneKey: string, lane: Lane, delivery: Delivery): Promise<void> {
    this.#pump();
    if (!this.#stopped.aborted) await pause(lane.retryDelayMs, this.#stopped);
    if (!this.#stopped.aborted) {
      lane.localRetries += 1;
      this.#markReady(laneKey, lane);
      this.#pump();
      return;
    }
    // Stopping: handed back at once, and its lane right behind it, so the backend
    // redelivers them in order; the retry delay is given up for the order.
    delivery.nak(0);
    this.#finishHead(laneKey, lane);
  }

  #handBackAfterFault(delivery: Delivery, error: unknown): void {
    delivery.nak(DEAD_LETTER_FAILURE_RETRY_MS);
    try {
      this.#deps.logger.error(
        { ...describeDelivery(delivery), err: error },
        "settling a delivery failed; it will be redelivered",
      );
    } catch {
      // A logger that throws has nothing more to tell.
    }
  }

  #finishHead(laneKey: string, lane: Lane): void {
    const done = lane.deliveries.shift();
    if (done !== undefined) this.#held.delete(done.key);
    lane.localRetries = 0;
    if (lane.deliveries.length === 0) this.#lanes.delete(laneKey);
    else this.#markReady(laneKey, lane);
    this.#wakeRoomWaiters();
    if (this.#stopped.aborted) this.#releaseWaiting();
    else this.#pump();
  }

  /** Hands back (nak 0) every held delivery that is not running, keeping each lane's order. */
  #releaseWaiting(): void {
    if (!this.#stopped.aborted) return;
    for (const laneKey of this.#ready.takeAll()) {
      const lane = this.#lanes.get(laneKey);
      if (lane === undefined) continue;
      this.#lanes.delete(laneKey);
      for (const { delivery, key } of lane.deliveries) {
        this.#held.delete(key);
        delivery.nak(0);
      }
    }
  }

  #wakeRoomWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** One timer pings everything held, the running handlers included. */
  #startKeepAlive(): void {
    if (this.#keepAlive !== undefined) return;
    this.#keepAlive = setInterval(() => {
      for (const lane of this.#lanes.values()) {
        for (const { delivery } of lane.deliveries) delivery.inProgress();
      }
    }, this.#deps.options.inProgressIntervalMs);
    this.#keepAlive.unref();
  }
}

function heldKey(delivery: Delivery): string {
  return `${delivery.raw.storage}:${delivery.raw.sequence}`;
}

/** A malformed message has no stream: it gets a lane of its own. */
function laneKeyOf(delivery: Delivery, key: string): string {
  return delivery.message?.streamName ?? `\u0000malformed:${key}`;
}
