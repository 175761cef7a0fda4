/**
 * A durable consumer, shared by every member that joins it with the same name and target.
 * It mirrors a JetStream pull consumer with explicit ack:
 *
 * - a cursor over the log marks what has never been delivered; everything behind it is
 *   either pending (held by a member, or waiting for redelivery) or done;
 * - pull requests are answered in arrival order, so members take turns; a member with
 *   `batchSize` deliveries outstanding is skipped until one of them settles;
 * - due redeliveries go before new messages, lowest global position first; a message waiting
 *   out a nak delay does not hold up the ones behind it;
 * - a held message not acked within the holder's `ackWaitMs` (restarted by `inProgress`)
 *   becomes due at once.
 *
 * Timers are unref'd, so an idle consumer never keeps a process alive, and `close()` clears them.
 *
 * A new consumer's cursor starts at its `startAt`; `reset` moves it and forgets what was in
 * flight. When it has a dead-letter category, it also takes the entries re-driven to it from
 * there (see redrive.ts), after due redeliveries and before new messages.
 */
import type { ConsumerInfo, Delivery, StartAt } from "../../backend.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import type { Categories } from "./category.ts";
import { createDelivery, type DeliveryControl, type PendingItem } from "./delivery.ts";
import { matchesTarget } from "./records.ts";
import type { RedriveQueues } from "./redrive.ts";
import { MemoryConsumerSource, type PullQueue } from "./source.ts";

interface PullRequest {
  readonly member: MemoryConsumerSource;
  readonly answer: (result: IteratorResult<Delivery, undefined>) => void;
}

const DONE: IteratorResult<Delivery, undefined> = { done: true, value: undefined };

/** What a consumer is made with besides its target. */
export interface DurableConsumerOptions {
  readonly consumer: string;
  readonly startAt: StartAt | undefined;
  /** The re-drive queues and this consumer's dead-letter category, when it has one. */
  readonly redrive: { readonly queues: RedriveQueues; readonly deadLetter: string } | undefined;
}

export class DurableConsumer implements PullQueue, DeliveryControl {
  readonly #categories: Categories;
  readonly #target: ParsedTarget;
  /** Log index of the first entry never delivered. */
  #cursor = 0;
  /** Global position → a message delivered and not yet settled. */
  readonly #pending = new Map<number, PendingItem>();
  /** Re-driven messages delivered and not yet settled, apart: their positions may repeat. */
  readonly #redriven = new Set<PendingItem>();
  readonly #name: string;
  readonly #redrive: DurableConsumerOptions["redrive"];
  readonly #unwatchRedrive: () => void;
  #requests: PullRequest[] = [];
  readonly #members = new Set<MemoryConsumerSource>();
  #wakeTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  readonly #unwatch: () => void;
  #closed = false;

  constructor(categories: Categories, target: ParsedTarget, options: DurableConsumerOptions) {
    this.#categories = categories;
    this.#target = target;
    this.#name = options.consumer;
    this.#redrive = options.redrive;
    this.#cursor = this.#indexOf(options.startAt ?? "beginning");
    this.#unwatch = categories.watch(target.category, () => this.#dispatch());
    const redrive = options.redrive;
    this.#unwatchRedrive =
      redrive === undefined
        ? () => {}
        : redrive.queues.watch(redrive.deadLetter, options.consumer, () => this.#dispatch());
  }

  /** Moves the cursor to `startAt` and forgets every unsettled message (their handles go stale). */
  reset(startAt: StartAt): void {
    for (const item of this.#unsettled()) this.#release(item);
    this.#pending.clear();
    this.#redriven.clear();
    this.#cursor = this.#indexOf(startAt);
    this.#dispatch();
  }

  info(): ConsumerInfo {
    const log = this.#categories.get(this.#target.category);
    let pending = 0;
    for (let index = this.#cursor; log !== undefined && index < log.length; index += 1) {
      const entry = log.at(index);
      if (entry !== undefined && matchesTarget(this.#target, entry)) pending += 1;
    }
    const redrive = this.#redrive;
    if (redrive !== undefined) {
      pending += redrive.queues.count(redrive.deadLetter, this.#name, (item) =>
        matchesTarget(this.#target, item.entry),
      );
    }
    let inFlight = 0;
    let redelivered = 0;
    for (const item of this.#unsettled()) {
      inFlight += 1;
      if (item.deliveryCount > 1) redelivered += 1;
    }
    // Everything before the oldest unsettled message, or before the cursor, has been handled.
    const oldest = Math.min(...this.#pending.keys(), this.#cursor + 1);
    return {
      consumer: this.#name,
      category: this.#target.category,
      stream: this.#target.id === undefined ? undefined : this.#target.name,
      pending,
      inFlight,
      redelivered,
      lastHandledGlobalPosition: oldest - 1,
      lag: pending + inFlight,
    };
  }

  join(batchSize: number, ackWaitMs: number): MemoryConsumerSource {
    const member = new MemoryConsumerSource(this, batchSize, ackWaitMs);
    if (this.#closed) void member.close();
    else this.#members.add(member);
    return member;
  }

  request(member: MemoryConsumerSource, answer: PullRequest["answer"]): void {
    if (this.#closed || member.closed) {
      answer(DONE);
      return;
    }
    this.#requests.push({ member, answer });
    this.#dispatch();
  }

  leave(member: MemoryConsumerSource): void {
    this.#members.delete(member);
    const ended = this.#requests.filter((request) => request.member === member);
    this.#requests = this.#requests.filter((request) => request.member !== member);
    for (const request of ended) request.answer(DONE);
  }

  settle(item: PendingItem): void {
    if (this.#redriven.delete(item)) {
      this.#release(item);
    } else {
      if (this.#pending.get(item.entry.globalPosition) !== item) return;
      this.#release(item);
      this.#pending.delete(item.entry.globalPosition);
    }
    this.#dispatch();
  }

  nak(item: PendingItem, deliveryCount: number, delayMs: number): void {
    if (!this.#isCurrent(item, deliveryCount)) return;
    this.#release(item);
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    item.dueAt = performance.now() + delay;
    this.#dispatch();
  }

  inProgress(item: PendingItem, deliveryCount: number): void {
    if (this.#isCurrent(item, deliveryCount)) item.ackTimer?.refresh();
  }

  /** Ends every member and clears every timer. The consumer accepts nothing afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch();
    this.#unwatchRedrive();
    for (const member of [...this.#members]) void member.close();
    for (const request of this.#requests) request.answer(DONE);
    this.#requests = [];
    for (const item of this.#unsettled()) this.#release(item);
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }

  #isCurrent(item: PendingItem, deliveryCount: number): boolean {
    return (
      !this.#closed &&
      item.holder !== undefined &&
      item.deliveryCount === deliveryCount &&
      (this.#pending.get(item.entry.globalPosition) === item || this.#redriven.has(item))
    );
  }

  *#unsettled(): Generator<PendingItem> {
    yield* this.#pending.values();
    yield* this.#redriven;
  }

  /** The log index a start position names; `"end"` is the log's current end. */
  #indexOf(startAt: StartAt): number {
    const log = this.#categories.get(this.#target.category);
    if (startAt === "beginning") return 0;
    if (startAt === "end") return log?.length ?? 0;
    if ("globalPosition" in startAt) return startAt.globalPosition - 1;
    return log?.firstIndexSince(startAt.time.getTime()) ?? 0;
  }

  #nextRedriven(): PendingItem | undefined {
    const redrive = this.#redrive;
    if (redrive === undefined) return undefined;
    const taken = redrive.queues.take(redrive.deadLetter, this.#name, (candidate) =>
      matchesTarget(this.#target, candidate.entry),
    );
    if (taken === undefined) return undefined;
    const item: PendingItem = {
      storage: taken.storage,
      entry: taken.entry,
      deliveryCount: 0,
      holder: undefined,
      ackTimer: undefined,
      dueAt: 0,
    };
    this.#redriven.add(item);
    return item;
  }

  /** Takes the item from its holder, if any: it no longer counts against the holder's batch. */
  #release(item: PendingItem): void {
    clearTimeout(item.ackTimer);
    item.ackTimer = undefined;
    if (item.holder !== undefined) item.holder.outstanding -= 1;
    item.holder = undefined;
  }

  #ackWaitExpired(item: PendingItem, deliveryCount: number): void {
    if (!this.#isCurrent(item, deliveryCount)) return;
    this.#release(item);
    item.dueAt = performance.now();
    this.#dispatch();
  }

  #dispatch(): void {
    if (this.#closed || this.#requests.length === 0) return;
    const now = performance.now();
    let index = 0;
    while (index < this.#requests.length) {
      const request = this.#requests[index] as PullRequest;
      if (request.member.outstanding >= request.member.batchSize) {
        index += 1;
        continue;
      }
      const item = this.#nextDue(now) ?? this.#nextRedriven() ?? this.#nextNew();
      if (item === undefined) break;
      this.#requests.splice(index, 1);
      request.answer({ done: false, value: this.#deliver(item, request.member) });
    }
    this.#scheduleWake(now);
  }

  #deliver(item: PendingItem, member: MemoryConsumerSource): Delivery {
    item.deliveryCount += 1;
    item.holder = member;
    member.outstanding += 1;
    const deliveryCount = item.deliveryCount;
    item.ackTimer = setTimeout(() => this.#ackWaitExpired(item, deliveryCount), member.ackWaitMs);
    item.ackTimer.unref();
    return createDelivery(this, item);
  }

  #nextDue(now: number): PendingItem | undefined {
    let first: PendingItem | undefined;
    for (const item of this.#unsettled()) {
      if (item.holder !== undefined || item.dueAt > now) continue;
      if (first === undefined || item.entry.globalPosition < first.entry.globalPosition)
        first = item;
    }
    return first;
  }

  #nextNew(): PendingItem | undefined {
    const log = this.#categories.get(this.#target.category);
    if (log === undefined) return undefined;
    while (this.#cursor < log.length) {
      const entry = log.at(this.#cursor++);
      if (entry === undefined || !matchesTarget(this.#target, entry)) continue;
      const item: PendingItem = {
        storage: log.name,
        entry,
        deliveryCount: 0,
        holder: undefined,
        ackTimer: undefined,
        dueAt: 0,
      };
      this.#pending.set(entry.globalPosition, item);
      return item;
    }
    return undefined;
  }

  /** While someone waits, wake up when the earliest delayed redelivery falls due. */
  #scheduleWake(now: number): void {
    if (this.#requests.length === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const item of this.#unsettled()) {
      if (item.holder === undefined && item.dueAt > now && item.dueAt < earliest)
        earliest = item.dueAt;
    }
    if (earliest === Number.POSITIVE_INFINITY || earliest >= this.#wakeAt) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = earliest;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeTimer = undefined;
        this.#wakeAt = Number.POSITIVE_INFINITY;
        this.#dispatch();
      },
      Math.max(0, earliest - now),
    );
    this.#wakeTimer.unref();
  }
}
