/**
 * The entity's most recent commands, for idempotent command handling: for each command id
 * that caused events (`metadata.causationMessageId`), the positions of the events it caused.
 * It is derived from the stream alone, so every process that folds the same events knows
 * the same commands, whether it folded them from the start, from a snapshot (which carries
 * the window) or through its cache. Immutable: folding makes a new window.
 */
import type { RecordedMessage } from "../message.ts";

/** The metadata key that ties an event to the command that caused it. */
export const CAUSATION_ID_KEY = "causationMessageId";

export interface CommandSpan {
  readonly first: number;
  readonly last: number;
}

/** A window as a snapshot keeps it: `[commandId, firstPosition, lastPosition]`, oldest first. */
export type CommandWindowJson = readonly (readonly [string, number, number])[];

export class CommandWindow {
  static readonly empty: CommandWindow = new CommandWindow(new Map());
  /** Oldest first: a Map keeps insertion order, and a command seen again moves to the end. */
  readonly #spans: ReadonlyMap<string, CommandSpan>;

  private constructor(spans: ReadonlyMap<string, CommandSpan>) {
    this.#spans = spans;
  }

  static fromJson(json: CommandWindowJson): CommandWindow {
    return new CommandWindow(new Map(json.map(([id, first, last]) => [id, { first, last }])));
  }

  get size(): number {
    return this.#spans.size;
  }

  spanOf(commandId: string): CommandSpan | undefined {
    return this.#spans.get(commandId);
  }

  /** This window after `events`, keeping the `limit` most recent commands. */
  after(events: readonly RecordedMessage[], limit: number): CommandWindow {
    let spans: Map<string, CommandSpan> | undefined;
    for (const event of events) {
      const commandId = event.metadata[CAUSATION_ID_KEY];
      if (typeof commandId !== "string") continue;
      spans ??= new Map(this.#spans);
      const earlier = spans.get(commandId);
      spans.delete(commandId);
      spans.set(commandId, { first: earlier?.first ?? event.position, last: event.position });
    }
    if (spans === undefined) return this;
    for (const oldest of spans.keys()) {
      if (spans.size <= limit) break;
      spans.delete(oldest);
    }
    return new CommandWindow(spans);
  }

  toJson(): CommandWindowJson {
    return [...this.#spans].map(([id, { first, last }]) => [id, first, last] as const);
  }
}
