/**
 * The store's consumer administration: reset, progress, and the dead-letter workflow. Each
 * checks its arguments, then asks the backend for the capability, which a backend may lack
 * (`UnsupportedError`). `MessageStore` delegates here so its own file stays about messages.
 */
import type { Backend, ConsumerInfo, DeadLetterRecord } from "./backend.ts";
import { checkConsumerName } from "./consumer-rules.ts";
import { InvalidOptionsError, UnsupportedError } from "./errors.ts";
import { checkStartAt, type StartAtOption } from "./start-at.ts";
import { type ParsedTarget, parseTarget, type TargetRef } from "./stream-name.ts";

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

/** A category (not a stream) named by `ref`. */
export function categoryOf(ref: TargetRef, call: string): string {
  const target = parseTarget(ref);
  if (target.id !== undefined)
    throw new InvalidOptionsError(`${call} takes a category, got stream ${target.name}`);
  return target.category;
}

function capability<Name extends keyof Backend>(
  backend: Backend,
  name: Name,
  what: string,
): NonNullable<Backend[Name]> {
  const found = backend[name];
  if (found === undefined) throw new UnsupportedError(`the ${backend.kind} backend cannot ${what}`);
  return found;
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
  const reset = capability(backend, "resetConsumer", "reset consumers");
  await reset.call(backend, parsed, name, start);
}

export async function consumerInfo(
  backend: Backend,
  target: TargetRef,
  consumer: string,
): Promise<ConsumerInfo | undefined> {
  const parsed = parseTarget(target);
  const name = checkConsumerName(consumer, "consumerInfo");
  return capability(backend, "consumerInfo", "describe consumers").call(backend, parsed, name);
}

export async function consumers(
  backend: Backend,
  category: TargetRef | undefined,
): Promise<ConsumerInfo[]> {
  const name = category === undefined ? undefined : categoryOf(category, "consumers");
  const list = await capability(backend, "consumers", "list consumers").call(backend, name);
  return list.sort(
    (a, b) => a.category.localeCompare(b.category) || a.consumer.localeCompare(b.consumer),
  );
}

export async function deadLetters(
  backend: Backend,
  deadLetterCategory: TargetRef,
  options: DeadLettersOptions,
): Promise<DeadLetterRecord[]> {
  const category = categoryOf(deadLetterCategory, "deadLetters");
  const consumer =
    options.consumer === undefined ? undefined : checkConsumerName(options.consumer, "deadLetters");
  const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
  if (maxCount !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxCount) || maxCount < 0)) {
    throw new InvalidOptionsError(
      `deadLetters: maxCount must be a non-negative integer, got ${JSON.stringify(maxCount)}`,
    );
  }
  const list = capability(backend, "deadLetters", "list dead letters");
  const records: DeadLetterRecord[] = [];
  if (maxCount === 0) return records;
  for await (const record of list.call(backend, category)) {
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
  const move = capability(backend, "redrive", "re-drive dead letters");
  const category = categoryOf(deadLetterCategory, "redrive");
  const chosen = (await deadLetters(backend, category, { consumer: options.consumer })).filter(
    (record) => options.filter === undefined || options.filter(record),
  );
  if (chosen.length === 0) return chosen;
  await move.call(
    backend,
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
  const category = categoryOf(deadLetterCategory, "discardDeadLetter");
  if (!Number.isSafeInteger(deadLetterPosition) || deadLetterPosition < 1) {
    throw new InvalidOptionsError(
      `discardDeadLetter: the position must be an integer >= 1, got ${JSON.stringify(deadLetterPosition)}`,
    );
  }
  const discard = capability(backend, "discardDeadLetter", "discard dead letters");
  return discard.call(backend, category, deadLetterPosition);
}
