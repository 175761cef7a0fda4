/**
 * Re-drive on NATS. A re-driven dead letter is re-published, body unchanged and without a
 * `Nats-Msg-Id` (so no duplicate window can swallow it), inside the dead-letter category's
 * own stream on
 *
 *     {prefix}.{dlq}._redrive.{consumer}.{original sequence}.{original subject without prefix}
 *
 * and the dead letter is deleted. Nothing is written to the entity's category, so its streams
 * keep their versions and no other consumer sees the message again. A subscription with
 * `deadLetter: dlq` reads, beside its category, a second durable on the dead-letter stream
 * filtered to its own consumer name and target; its deliveries look like the original
 * (stream, position, global position, raw subject), and once acked or given up the re-drive
 * message is deleted.
 */
import { headers } from "@nats-io/transport-node";
import type { ConsumerSpec, Delivery } from "../../backend.ts";
import { decodeBody, derivedMessageId } from "../../body.ts";
import { StreamNotFoundError } from "../../errors.ts";
import type { ParsedTarget } from "../../stream-name.ts";
import type { DurablePlace } from "./consumer.ts";
import type { NatsContext } from "./context.ts";
import { DEAD_LETTER_HEADERS, deadLetterCategorySettings } from "./dead-letter.ts";
import { deliveredSubject, REDRIVE_TOKEN } from "./subjects.ts";

/** Header of a re-drive message: the consumer it is for. */
export const REDRIVE_CONSUMER_HEADER = "Ms-Redrive-Consumer";

/** A JetStream durable name may not hold `.`, `*`, `>`, whitespace or path separators. */
function durableToken(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** The re-drive durable of `consumer` on `target`; it lives in the dead-letter category's stream. */
export function redriveDurableName(consumer: string, target: ParsedTarget): string {
  return `${consumer}${REDRIVE_TOKEN}_${durableToken(target.name)}`;
}

/** The durable a source with a dead-letter category reads besides its own (see consumer.ts). */
export function redrivePlace(
  nats: NatsContext,
  spec: ConsumerSpec,
  deadLetterCategory: string,
): DurablePlace {
  const { subjects } = nats;
  const mine = `${subjects.redriveRoot(deadLetterCategory)}${spec.consumer}.`;
  // `{mine}{original sequence}.{original subject}`: any sequence, this consumer's target.
  const filters = subjects
    .targetFilters(spec.target)
    .map((filter) => `${mine}*.${subjects.withoutPrefix(filter)}`);
  let originalStorage = nats.subjects.storageName(spec.target.category);
  let deadLetterStorage = "";
  return {
    category: deadLetterCategory,
    name: redriveDurableName(spec.consumer, spec.target),
    filters,
    async storage() {
      const original = await nats.storageFor(spec.target.category, true);
      if (original === undefined) throw new StreamNotFoundError(originalStorage);
      originalStorage = original;
      deadLetterStorage = await nats.ensureStorage(
        deadLetterCategory,
        deadLetterCategorySettings(nats.options),
      );
      return deadLetterStorage;
    },
    adapt(delivery) {
      const tokens = deliveredSubject(delivery.raw).slice(mine.length).split(".");
      const originalSequence = Number(tokens[0]);
      const originalSubject = subjects.withPrefix(tokens.slice(1).join("."));
      const { category } = spec.target;
      const { id = "", position } = nats.subjects.parse(category, originalSubject);
      const decoded = delivery.message;
      const message =
        decoded === undefined
          ? undefined
          : {
              ...decoded,
              // A body without an id got one derived from where it is stored: use the original place.
              id: hasOwnId(delivery.raw.body)
                ? decoded.id
                : derivedMessageId(originalStorage, originalSequence),
              category,
              streamId: id,
              streamName: `${category}-${id}`,
              position,
              globalPosition: originalSequence,
            };
      const forget = (): void => {
        nats.manager.streams
          .deleteMessage(deadLetterStorage, delivery.raw.sequence, false)
          .catch((error: unknown) =>
            nats.options.logger.warn(
              { err: error, storage: deadLetterStorage, sequence: delivery.raw.sequence },
              "deleting a handled re-drive message failed",
            ),
          );
      };
      const adapted: Delivery = {
        message,
        error: delivery.error,
        raw: {
          storage: originalStorage,
          sequence: originalSequence,
          body: delivery.raw.body,
          destination: originalSubject,
          handle: originalSubject,
        },
        deliveryCount: delivery.deliveryCount,
        ack: async () => {
          await delivery.ack();
          forget();
        },
        nak: (delayMs) => delivery.nak(delayMs),
        term: () => {
          delivery.term();
          forget();
        },
        inProgress: () => delivery.inProgress(),
      };
      return adapted;
    },
  };
}

function hasOwnId(body: Uint8Array): boolean {
  try {
    return decodeBody(body).id !== undefined;
  } catch {
    return true;
  }
}

/** Moves the dead letters at `positions` to their consumers' re-drive subjects. Returns how many moved. */
export async function redriveNats(
  nats: NatsContext,
  deadLetterCategory: string,
  positions: readonly number[],
): Promise<number> {
  const storage = await nats.storageFor(deadLetterCategory, false);
  if (storage === undefined) return 0;
  const dlqHead = nats.subjects.categoryRoot(deadLetterCategory);
  const ownPrefix = nats.subjects.redriveRoot(deadLetterCategory);
  let moved = 0;
  for (const seq of positions) {
    const stored = await nats.manager.streams.getMessage(storage, { seq }).catch(() => null);
    const consumer = stored?.header?.get(DEAD_LETTER_HEADERS.consumer);
    const originalSequence = Number(stored?.header?.get(DEAD_LETTER_HEADERS.originalSequence));
    if (
      stored === null ||
      stored === undefined ||
      !consumer ||
      !Number.isSafeInteger(originalSequence) ||
      stored.subject.startsWith(ownPrefix) ||
      !stored.subject.startsWith(dlqHead)
    )
      continue;
    const values = headers();
    values.set(REDRIVE_CONSUMER_HEADER, consumer);
    const originalStream = stored.header?.get(DEAD_LETTER_HEADERS.originalStream);
    if (originalStream) values.set(DEAD_LETTER_HEADERS.originalStream, originalStream);
    values.set(DEAD_LETTER_HEADERS.originalSequence, String(originalSequence));
    const subject = nats.subjects.redriveSubject(
      deadLetterCategory,
      consumer,
      originalSequence,
      stored.subject.slice(dlqHead.length),
    );
    await nats.jetstream.publish(subject, stored.data, { headers: values });
    // Published first: a failure in between leaves the dead letter, so nothing is lost.
    await nats.manager.streams.deleteMessage(storage, seq, false);
    moved += 1;
  }
  return moved;
}
