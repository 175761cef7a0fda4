/**
 * The store's half of a handler's context: `ctx.follow` and `ctx.reply` act on the message
 * being handled. The subscription layer knows nothing of writes, so the store wraps each
 * handler once, at `subscribe()`, to add them.
 */
import type { WriteResult } from "../backend.ts";
import { InvalidMessageError } from "../errors.ts";
import type { Followed, Message, RecordedMessage } from "../message.ts";
import { checkHandlers } from "../subscribe/options.ts";
import type {
  DeliveryContext,
  DeliveryHandler,
  DeliveryHandlers,
  HandlerContext,
} from "../subscribe/types.ts";
import { follow } from "./follow.ts";
import { REPLY_STREAM_NAME } from "./metadata-keys.ts";

/** How a reply is written: the store's own `write`. */
export type WriteMessage = (stream: string, message: Message) => Promise<WriteResult>;

/**
 * Writes `next`, following `previous`, to `previous`'s reply stream. The reply itself asks for
 * no reply, so `replyStreamName` is left out of it. Rejects with `InvalidMessageError` when
 * `previous` names no reply stream.
 */
export async function reply(
  write: WriteMessage,
  previous: RecordedMessage,
  next: Message,
): Promise<WriteResult> {
  const replyStream = previous.metadata[REPLY_STREAM_NAME];
  if (typeof replyStream !== "string") {
    throw new InvalidMessageError(
      `cannot reply to ${previous.type} at ${previous.streamName} position ${previous.position}: its metadata has no ${REPLY_STREAM_NAME}`,
    );
  }
  const { [REPLY_STREAM_NAME]: _asked, ...metadata } = follow(previous, next).metadata ?? {};
  return write(replyStream, { ...next, metadata });
}

/**
 * The delivery's context plus `follow` and `reply` for `message`. A class, so each delivery
 * costs one small object rather than a closure per member.
 */
class MessageHandlerContext implements HandlerContext {
  readonly #delivery: DeliveryContext;
  readonly #message: RecordedMessage;
  readonly #write: WriteMessage;

  constructor(delivery: DeliveryContext, message: RecordedMessage, write: WriteMessage) {
    this.#delivery = delivery;
    this.#message = message;
    this.#write = write;
  }

  get attempt(): number {
    return this.#delivery.attempt;
  }

  get maxAttempts(): number {
    return this.#delivery.maxAttempts;
  }

  get isLastAttempt(): boolean {
    return this.#delivery.isLastAttempt;
  }

  get consumer(): string {
    return this.#delivery.consumer;
  }

  terminate(reason?: string): void {
    this.#delivery.terminate(reason);
  }

  retry(options?: { delayMs?: number }): void {
    this.#delivery.retry(options);
  }

  inProgress(): void {
    this.#delivery.inProgress();
  }

  follow<Type extends string, Data>(next: Message<Type, Data>): Followed<Type, Data> {
    return follow(this.#message, next);
  }

  reply(next: Message): Promise<WriteResult> {
    return reply(this.#write, this.#message, next);
  }
}

/**
 * The handlers as the dispatcher runs them, each given the full context. Checked first, by
 * the subscription's own rule, so a bad handler fails here as it would without the wrap.
 */
export function withHandlerContext(handlers: unknown, write: WriteMessage): DeliveryHandlers {
  const wrapped: Record<string, DeliveryHandler> = {};
  for (const [type, handler] of Object.entries(checkHandlers(handlers))) {
    wrapped[type] = (message, context) =>
      handler(message, new MessageHandlerContext(context, message, write));
  }
  return wrapped;
}
