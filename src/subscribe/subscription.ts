/**
 * A subscription's lifecycle: open the backend's consumer source, hand its deliveries to the
 * ordered dispatcher (or ack them unhandled when another group member owns their stream),
 * and keep doing so until `stop()`. A source that fails or ends while the subscription runs
 * is logged and reopened (reopening-source.ts), so the subscription never stalls silently.
 * Status events go to `status()` readers, apart from the messages.
 */
import type { Backend, ConsumerSource, Delivery } from "../backend.ts";
import type { Logger } from "../options.ts";
import type { ParsedTarget } from "../stream-name.ts";
import { EventChannel } from "../util/event-channel.ts";
import { type AttemptDeps, type AttemptInstrumentation, instrumentConsumer } from "./attempt.ts";
import { isMine } from "./group.ts";
import { resolveSubscribeOptions } from "./options.ts";
import { OrderedDispatcher } from "./ordered-dispatcher.ts";
import { reopeningSource } from "./reopening-source.ts";
import { acknowledge } from "./settle.ts";
import type { DeliveryHook, SubscribeOptions, Subscription, SubscriptionStatus } from "./types.ts";

class BackendSubscription implements Subscription {
  readonly consumer: string;
  readonly #backend: Backend;
  readonly #target: ParsedTarget;
  readonly #deps: AttemptDeps;
  readonly #hook: DeliveryHook | undefined;
  #loop: Promise<void> | undefined;
  #source: ConsumerSource | undefined;
  #stopRequested = new AbortController();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #status = new EventChannel<SubscriptionStatus>();

  constructor(
    backend: Backend,
    target: ParsedTarget,
    deps: AttemptDeps,
    hook: DeliveryHook | undefined,
  ) {
    this.consumer = deps.options.consumer;
    this.#hook = hook;
    this.#backend = backend;
    this.#target = target;
    this.#deps = { ...deps, report: (status) => this.#status.publish(status) };
  }

  status(): AsyncIterableIterator<SubscriptionStatus> {
    return this.#status.iterate((event) => event.type === "stopped");
  }

  get running(): boolean {
    return this.#loop !== undefined && !this.#stopRequested.signal.aborted;
  }

  start(): Promise<void> {
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #start(): Promise<void> {
    // A start during a stop begins again once the stop has drained.
    if (this.#stopping !== undefined) await this.#stopping;
    if (this.#loop !== undefined) return;
    this.#stopRequested = new AbortController();
    this.#loop = this.#run(this.#stopRequested.signal);
    this.#status.publish({ type: "started", consumer: this.consumer });
    this.#deps.logger.debug(
      { consumer: this.consumer, target: this.#target.name },
      "subscription started",
    );
  }

  async #stop(): Promise<void> {
    if (this.#starting !== undefined) await this.#starting;
    const loop = this.#loop;
    if (loop === undefined) return;
    this.#stopRequested.abort();
    await this.#closeSource();
    // The loop ends after the delivery in flight is handled and settled.
    await loop;
    this.#loop = undefined;
    this.#status.publish({ type: "stopped", consumer: this.consumer });
    this.#deps.logger.debug(
      { consumer: this.consumer, target: this.#target.name },
      "subscription stopped",
    );
  }

  async #closeSource(): Promise<void> {
    const source = this.#source;
    this.#source = undefined;
    try {
      await source?.close();
    } catch (error) {
      this.#deps.logger.warn(
        { consumer: this.consumer, err: error },
        "closing the consumer source failed",
      );
    }
  }

  async #run(stopped: AbortSignal): Promise<void> {
    const dispatcher = new OrderedDispatcher(this.#deps, stopped);
    const { options, logger } = this.#deps;
    const source = reopeningSource(
      () =>
        this.#backend.consume({
          target: this.#target,
          consumer: this.consumer,
          batchSize: options.batchSize,
          ackWaitMs: options.ackWaitMs,
          startAt: options.startAt,
          deadLetter: options.deadLetter,
        }),
      {
        logger,
        consumer: this.consumer,
        opened: (opened) => this.#forwardStatus(opened),
        failed: (error) => this.#status.publish({ type: "source-error", error }),
        reopening: () => this.#status.publish({ type: "source-reopened" }),
      },
    );
    this.#source = source;
    try {
      for await (const delivery of source) {
        const waiting = this.#handle(delivery, dispatcher, stopped);
        if (waiting !== undefined) await waiting;
        if (stopped.aborted) break;
      }
    } catch (error) {
      // The reopening source handles its sources' failures; this is a fault of its own.
      logger.error({ consumer: this.consumer, err: error }, "the subscription loop failed");
      this.#status.publish({ type: "source-error", error });
    }
    await this.#closeSource();
    // The handlers in flight finish and are settled; what never started is handed back.
    await dispatcher.drain();
  }

  /** Hands `delivery` on; returns a promise only when the pull loop must wait for room. */
  #handle(
    delivery: Delivery,
    dispatcher: OrderedDispatcher,
    stopped: AbortSignal,
  ): Promise<void> | undefined {
    if (stopped.aborted) {
      // Fetched but not started: hand it straight back so another member can take it.
      delivery.nak(0);
      return undefined;
    }
    // Every group member reads the whole category; a stream of another member's is done here.
    if (!isMine(this.#deps.options.group, delivery.message)) {
      return acknowledge(delivery, this.#deps);
    }
    if (this.#hook === undefined) return dispatcher.offer(delivery);
    // The store's delivery hook (typed categories): `undefined` acks it unhandled (the
    // correlation filter); otherwise the delivery it returns is dispatched, perhaps marked invalid.
    const viewing = this.#hook(delivery);
    if (!(viewing instanceof Promise)) {
      return viewing === undefined ? acknowledge(delivery, this.#deps) : dispatcher.offer(viewing);
    }
    return viewing.then((viewed) =>
      viewed === undefined ? acknowledge(delivery, this.#deps) : dispatcher.offer(viewed),
    );
  }

  /** Connection events of the source, when its backend reports them, until it closes. */
  #forwardStatus(source: ConsumerSource): void {
    const events = source.status?.();
    if (events === undefined) return;
    void (async () => {
      try {
        for await (const event of events) this.#status.publish(event);
      } catch (error) {
        this.#deps.logger.debug({ consumer: this.consumer, err: error }, "source status ended");
      }
    })();
  }
}

/**
 * A subscription over `backend`; nothing is fetched until `start()`. Throws
 * `InvalidOptionsError` at once for bad options. `hook` sees each delivery first (see `DeliveryHook`).
 */
export function createSubscription(
  backend: Backend,
  target: ParsedTarget,
  options: SubscribeOptions,
  logger: Logger,
  hook?: DeliveryHook,
  instrumentation?: AttemptInstrumentation,
): Subscription {
  const resolved = resolveSubscribeOptions(options);
  const deps = {
    backend,
    options: resolved,
    logger,
    instrumentation: instrumentConsumer(instrumentation, target, resolved),
  };
  return new BackendSubscription(backend, target, deps, hook);
}
