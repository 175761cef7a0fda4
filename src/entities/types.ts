/**
 * The public shapes of the entity layer: how an entity is declared (`EntityOptions`), what a
 * load returns (`Entity`), and how a command is handled (`HandleOptions`, `HandleResult`).
 * All are generic over the message types, so a category's message contract (`defineCategory`)
 * types the handlers and `decide` without a cast; without one they take any message.
 */
import type { WriteResult } from "../backend.ts";
import type { EntityInstrumentation } from "../instrumentation.ts";
import type { Message, RecordedMessage } from "../message.ts";
import type {
  MessageSpecs,
  MessageToWriteOf,
  RecordedMessageOf,
  TypedCategory,
} from "../messages/contract.ts";
import type { ParsedStream } from "../stream-name.ts";

/** Folds one message into the state. Return a new state; a fetched state is shared with the cache. */
export type EntityHandler<State, Event extends RecordedMessage> = (
  state: State,
  message: Event,
) => State;

/** One handler per event type; a type without a handler is skipped (it still counts in `version`). */
export type EntityHandlers<State, Event extends RecordedMessage> = {
  readonly [Type in Event["type"]]?: EntityHandler<State, Extract<Event, { type: Type }>>;
};

export interface EntityCacheOptions {
  /**
   * Entities kept in this process; the least recently used goes first. `0` turns the cache off.
   * @default 1000
   */
  maxEntries?: number | undefined;
}

export interface EntitySnapshotOptions {
  /**
   * Write a snapshot when the entity has moved this many versions past its last snapshot.
   * A smaller number means shorter cold loads and more snapshot writes.
   */
  every: number;
  /**
   * The shape of the state. Change it whenever the state's shape or the handlers' meaning
   * change: a snapshot of another `version` is ignored, and the entity is folded from its stream.
   */
  version: number | string;
}

export interface EntityOptions<State, Event extends RecordedMessage = RecordedMessage> {
  /**
   * The entities' category: a name (taken whole, `-` included), or a category from
   * `defineCategory`, whose contract then types the handlers and `decide`, upcasts what is
   * read and checks what is written (see `ContractEntityOptions`).
   */
  category: string | { readonly category: string; readonly contract?: never };
  /** The state of an entity without events, or a function that makes one (called per load). */
  init: State | (() => State);
  handlers: EntityHandlers<State, Event>;
  /** @default { maxEntries: 1000 } */
  cache?: EntityCacheOptions | false | undefined;
  /** Snapshots are off unless given. The state must survive `JSON.stringify`/`JSON.parse`. */
  snapshot?: EntitySnapshotOptions | undefined;
  /**
   * How many of the entity's most recent commands are remembered for idempotency: a command
   * whose id is among them is not decided again (see `docs/entities.md`).
   * @default 100
   */
  commandWindow?: number | undefined;
}

/** `store.entities` for a category from `defineCategory`: its contract types the rest. */
export interface ContractEntityOptions<State, Specs extends MessageSpecs>
  extends Omit<EntityOptions<State, RecordedMessageOf<Specs>>, "category"> {
  category: TypedCategory<Specs>;
}

/** Either form of options, as the entity store takes them: the category a name or a reference. */
export interface AnyEntityOptions<State, Event extends RecordedMessage = RecordedMessage>
  extends Omit<EntityOptions<State, Event>, "category"> {
  category: string | { readonly category: string };
}

/** The entity store `store.entities` makes for a contracted category. */
export type ContractEntityStore<State, Specs extends MessageSpecs> = EntityStore<
  State,
  RecordedMessageOf<Specs>,
  MessageToWriteOf<Specs>
>;

/** An entity as loaded: its state and the position of the stream's last message (`-1`: none). */
export interface Entity<State> {
  readonly state: State;
  readonly version: number;
}

/**
 * What `decide` may return: one event, several (written atomically), or none. `Write` is
 * what the entity's category accepts: with a contract, only its declared types and data.
 */
export type Decision<Write extends Message = Message> = Write | readonly Write[] | undefined;

export interface HandleOptions<State, Command, Write extends Message = Message> {
  /**
   * What the command leads to, given the entity's state. Pure: it may run again when another
   * writer got there first. Throw to reject the command; nothing is written.
   */
  decide: (command: Command, state: State) => Decision<Write>;
  /**
   * Further tries after the write found the entity moved (`ExpectedVersionError`).
   * @default 3
   */
  retries?: number | undefined;
  /**
   * Wait before the first retry, in milliseconds; each later wait is `retryBackoff` times
   * longer, with jitter (a random 50–100 % of it) so racing processes part ways.
   * @default 100
   */
  retryDelayMs?: number | undefined;
  /** @default 1.5 */
  retryBackoff?: number | undefined;
}

export interface HandleResult<State, Event extends RecordedMessage = RecordedMessage> {
  /** The entity after the command. */
  readonly state: State;
  readonly version: number;
  /**
   * The events the command wrote, as recorded. For a command handled before (`duplicate`),
   * the events that earlier handling wrote.
   */
  readonly events: readonly Event[];
  /** `true` when the command's id was already the cause of events: nothing was decided. */
  readonly duplicate: boolean;
}

/**
 * An entity store: `store.entities(options)`. `Event` is what its handlers fold, `Write`
 * what its commands may write.
 */
export interface EntityStore<
  State,
  Event extends RecordedMessage = RecordedMessage,
  Write extends Message = Message,
> {
  readonly category: string;
  /** The entity, through the cache; a new entity (`init`, version `-1`) when it has no stream. */
  fetch(id: string): Promise<Entity<State>>;
  /** As `fetch`, but `undefined` when the entity has no stream. */
  get(id: string): Promise<Entity<State> | undefined>;
  /** `store.handle` for the entity with this id. */
  handle<const Command extends Message>(
    id: string,
    command: Command,
    options: HandleOptions<State, Command, Write>,
  ): Promise<HandleResult<State, Event>>;
  /** Resolves when every snapshot being written in the background has been written (or has failed with a warning). */
  flush(): Promise<void>;
}

/** What the entity layer needs from the store it sits on; `MessageStore` provides it. */
export interface EntityHost {
  get(
    stream: ParsedStream,
    options: { fromPosition?: number; maxCount?: number },
  ): Promise<RecordedMessage[]>;
  last(stream: ParsedStream): Promise<RecordedMessage | undefined>;
  write(
    stream: ParsedStream,
    messages: readonly Message[],
    options: { expectedVersion: number },
  ): Promise<WriteResult>;
  /** The store's instrumentation, when it has one: each load and command opens a scope. */
  readonly instrumentation?: EntityInstrumentation | undefined;
}

/**
 * `store.handle`'s options: the entity store that loads the stream's entity, and how to
 * decide. The entity store alone gives the types (hence `NoInfer`): `decide` gets its state
 * and may return only what its category accepts.
 */
export interface StoreHandleOptions<
  State,
  Command,
  Event extends RecordedMessage = RecordedMessage,
  Write extends Message = Message,
> extends HandleOptions<NoInfer<State>, Command, NoInfer<Write>> {
  entity: EntityStore<State, Event, Write>;
}
