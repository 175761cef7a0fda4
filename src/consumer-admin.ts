/**
 * The store's consumer administration: reset, progress, and the dead-letter workflow. Each
 * checks its arguments, then asks the backend. `MessageStore` delegates here so its own
 * file stays about messages.
 */
import type { Backend, ConsumerInfo, DeadLetterRecord } from "./backend.ts";
import { checkConsumerName } from "./consumer-rules.ts";
import { InvalidOptionsError } from "./errors.ts";
import { checkStartAt, type StartAtOption } from "./start-at.ts";
import { type ParsedTarget, parseCategory, parseTarget, type TargetRef } from "./stream-name.ts";

export interface DeadLettersOptions {
  /** Only the dead letters of this consumer. */
  consumer?: string | undefined;
  /** At most this many, oldest first. */
  maxCount?: number | undefined;
}

export interface RedriveOptions {
  /** Only the dead letters of this consumer. */
  consumer?: string | undefined;
  /** Only the dead letters this returns `true` for. */
  filter?: ((record: DeadLetterRecord) => boolean) | undefined;
}

export async function resetConsumer(
  backend: Backend,
  target: TargetRef,
  consumer: string,
  startAt: StartAtOption,
): Promise<void> {
  const parsed: ParsedTarget = parseTarget(target);
  const name = checkConsumerName(consumer, "resetConsumer");
  const start = checkStartAt(startAt, "resetConsumer");
  await backend.resetConsumer(parsed, name, start);
}

export async function consumerInfo(
  backend: Backend,
  target: TargetRef,
  consumer: string,
): Promise<ConsumerInfo | undefined> {
  const parsed = parseTarget(target);
  const name = checkConsumerName(consumer, "consumerInfo");
  return backend.consumerInfo(parsed, name);
}

export async function consumers(
  backend: Backend,
  category: TargetRef | undefined,
): Promise<ConsumerInfo[]> {
  const name = category === undefined ? undefined : parseCategory(category, "consumers");
  const list = await backend.consumers(name);
  return list.sort(
    (a, b) => a.category.localeCompare(b.category) || a.consumer.localeCompare(b.consumer),
  );
}

export async function deadLetters(
  backend: Backend,
  deadLetterCategory: TargetRef,
  options: DeadLettersOptions,
): Promise<DeadLetterRecord[]> {
  const category = parseCategory(deadLetterCategory, "deadLetters");
  const consumer =
    options.consumer === undefined ? undefined : checkConsumerName(options.consumer, "deadLetters");
  const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
  if (maxCount !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxCount) || maxCount < 0)) {
    throw new InvalidOptionsError(
      `deadLetters: maxCount must be a non-negative integer, got ${JSON.stringify(maxCount)}`,
    );
  }
  const records: DeadLetterRecord[] = [];
  if (maxCount === 0) return records;
  for await (const record of backend.deadLetters(category)) {
    if (consumer !== undefined && record.consumer !== consumer) continue;
    records.push(record);
    if (records.length >= maxCount) break;
  }
  return records;
}

export async function redrive(
  backend: Backend,
  deadLetterCategory: TargetRef,
  options: RedriveOptions,
): Promise<DeadLetterRecord[]> {
  if (options.filter !== undefined && typeof options.filter !== "function")
    throw new InvalidOptionsError("redrive: filter must be a function");
  const category = parseCategory(deadLetterCategory, "redrive");
  // A dead letter without a consumer (Zencastr's) has nobody to be handed back to.
  const chosen = (await deadLetters(backend, category, { consumer: options.consumer })).filter(
    (record) =>
      record.consumer !== undefined && (options.filter === undefined || options.filter(record)),
  );
  if (chosen.length === 0) return chosen;
  await backend.redrive(
    category,
    chosen.map((record) => record.deadLetterPosition),
  );
  return chosen;
}

export async function discardDeadLetter(
  backend: Backend,
  deadLetterCategory: TargetRef,
  deadLetterPosition: number,
): Promise<boolean> {
  const category = parseCategory(deadLetterCategory, "discardDeadLetter");
  if (!Number.isSafeInteger(deadLetterPosition) || deadLetterPosition < 1) {
    throw new InvalidOptionsError(
      `discardDeadLetter: the position must be an integer >= 1, got ${JSON.stringify(deadLetterPosition)}`,
    );
  }
  return backend.discardDeadLetter(category, deadLetterPosition);
}
