/**
 * An entity as this process knows it: the fold of its stream up to `version`, plus what the
 * cache needs to tell whether the stream has moved since, and what idempotent commands need.
 * Every way of loading (cold, from a snapshot, catching up, after a write) ends in `advance`,
 * the one place events are folded.
 */
import type { RecordedMessage } from "../message.ts";
import { CommandWindow } from "./command-window.ts";
import type { EntityHandlers } from "./types.ts";

export interface LoadedEntity<State> {
  readonly state: State;
  readonly version: number;
  /**
   * The id of the message at `version`; `undefined` when unknown (loaded from a snapshot
   * that is current). A stream whose last id differs at the same version was rewritten.
   */
  readonly lastId: string | undefined;
  readonly commands: CommandWindow;
  /** The version of the newest snapshot known to be written (or being written); `-1`: none. */
  readonly snapshotVersion: number;
}

/** How an entity store folds: its handlers, its initial state and its command window. */
export interface Folding<State, Event extends RecordedMessage> {
  readonly initial: () => State;
  readonly handlers: EntityHandlers<State, Event>;
  readonly commandWindow: number;
}

export function newEntity<State>(initial: () => State): LoadedEntity<State> {
  return {
    state: initial(),
    version: -1,
    lastId: undefined,
    commands: CommandWindow.empty,
    snapshotVersion: -1,
  };
}

/**
 * `entity` after `events`, which must follow it directly and in position order; events at or
 * below its version are skipped (a page may overlap what is already folded).
 */
export function advance<State, Event extends RecordedMessage>(
  entity: LoadedEntity<State>,
  events: readonly RecordedMessage[],
  folding: Folding<State, Event>,
): LoadedEntity<State> {
  const fresh = events.filter((event) => event.position > entity.version);
  const last = fresh.at(-1);
  if (last === undefined) return entity;
  let state = entity.state;
  for (const event of fresh) {
    const handler = handlerFor(folding.handlers, event);
    if (handler !== undefined) state = handler(state, event);
  }
  return {
    state,
    version: last.position,
    lastId: last.id,
    commands: entity.commands.after(fresh, folding.commandWindow),
    snapshotVersion: entity.snapshotVersion,
  };
}

/**
 * A handler seen from the fold's side. Declared as a method so its parameter is checked
 * bivariantly: the handler map is typed from the category's contract, and at run time the
 * event's `type` is what guarantees that each handler gets its own kind of message.
 */
interface StoredEventHandler<State> {
  fold(state: State, message: RecordedMessage): State;
}

function handlerFor<State, Event extends RecordedMessage>(
  handlers: EntityHandlers<State, Event>,
  event: RecordedMessage,
): StoredEventHandler<State>["fold"] | undefined {
  const byType: Readonly<Record<string, StoredEventHandler<State>["fold"] | undefined>> = handlers;
  return Object.hasOwn(byType, event.type) ? byType[event.type] : undefined;
}
