/**
 * Command handling: load, decide, write with the loaded version, and on a conflict load
 * again and decide again, a bounded number of times with backoff.
 *
 * The first decision uses the cached entity without asking the store whether it moved: a
 * write carries the version it was decided on, so a stale decision cannot be stored, it
 * conflicts, and the entity is loaded and decided again at once (no backoff, no retry used).
 * A decision that writes nothing, or throws, has no such check, so when it was made on an
 * unchecked entity the entity is checked and, if it moved, decided again.
 */
import { isExpectedVersionError } from "../errors.ts";
import { type Message, newMessageId, type RecordedMessage } from "../message.ts";
import type { MessageContract } from "../messages/contract.ts";
import { followingMetadata } from "../messages/follow.ts";
import { stampedAsWritten } from "../messages/write-check.ts";
import type { ParsedStream } from "../stream-name.ts";
import { CAUSATION_ID_KEY } from "./command-window.ts";
import type { CachedEntityStore } from "./entity-store.ts";
import type { LoadedEntity } from "./loaded.ts";
import { recordedFromWrite, type WrittenMessage } from "./records.ts";
import type { Decision, HandleResult } from "./types.ts";

type Entities<State, Event extends RecordedMessage> = Pick<
  CachedEntityStore<State, Event>,
  "host" | "cached" | "load" | "afterWrite" | "contract"
>;

/** A command's `decide`, bound to the command, with the retry policy. */
export interface CommandPlan<State> {
  readonly decide: (state: State) => Decision;
  readonly retries: number;
  readonly delayBefore: (attempt: number) => number;
}

export async function handleCommand<State, Event extends RecordedMessage>(
  entities: Entities<State, Event>,
  stream: ParsedStream,
  command: Message,
  options: CommandPlan<State>,
): Promise<HandleResult<State, Event>> {
  const commandId = typeof command.id === "string" ? command.id : undefined;
  let entity = entities.cached(stream);
  let checked = entity === undefined;
  entity ??= await entities.load(stream);
  let retries = 0;
  for (;;) {
    if (commandId !== undefined && entity.commands.spanOf(commandId) !== undefined) {
      return earlierResult(
        entities,
        stream,
        checked ? entity : await entities.load(stream),
        commandId,
      );
    }
    let events: readonly Message[];
    try {
      events = decisionEvents(options.decide(entity.state));
    } catch (error) {
      if (checked) throw error;
      const current = await entities.load(stream);
      checked = true;
      if (current.version === entity.version) throw error;
      entity = current;
      continue;
    }
    if (events.length === 0) {
      if (!checked) {
        const current = await entities.load(stream);
        checked = true;
        if (current.version !== entity.version) {
          entity = current;
          continue;
        }
      }
      return { state: entity.state, version: entity.version, events: [], duplicate: false };
    }
    const messages = followingCommand(events, command, commandId, entities.contract);
    try {
      const result = await entities.host.write(stream, messages, {
        expectedVersion: entity.version,
      });
      const recorded = recordedFromWrite(stream, messages, result, new Date());
      const after = entities.afterWrite(stream, entity, recorded);
      return {
        state: after.state,
        version: after.version,
        events: recordedEvents(recorded),
        duplicate: false,
      };
    } catch (error) {
      if (!isExpectedVersionError(error)) throw error;
      // A conflict after deciding on a checked entity is a real race: back off, then retry.
      if (checked) {
        if (retries >= options.retries) throw error;
        retries += 1;
        await sleep(withJitter(options.delayBefore(retries)));
      }
      entity = await entities.load(stream);
      checked = true;
    }
  }
}

/** The result of a command handled before: the entity now, and the events it caused then. */
async function earlierResult<State, Event extends RecordedMessage>(
  entities: Entities<State, Event>,
  stream: ParsedStream,
  entity: LoadedEntity<State>,
  commandId: string,
): Promise<HandleResult<State, Event>> {
  const span = entity.commands.spanOf(commandId);
  const events =
    span === undefined
      ? []
      : await entities.host.get(stream, {
          fromPosition: span.first,
          maxCount: span.last - span.first + 1,
        });
  return {
    state: entity.state,
    version: entity.version,
    events: recordedEvents(
      events.filter((event) => event.metadata.causationMessageId === commandId),
    ),
    duplicate: true,
  };
}

function decisionEvents(decision: Decision): readonly Message[] {
  if (decision === undefined) return [];
  return isMessageList(decision) ? decision : [decision];
}

function isMessageList(decision: Message | readonly Message[]): decision is readonly Message[] {
  return Array.isArray(decision);
}

/**
 * The events with their ids fixed, following the command as `follow()` does, naming it by id
 * (what makes commands idempotent), and with the schema version a contracted write stores:
 * what lets them be recorded, and returned, as the store keeps them, without a read.
 */
function followingCommand(
  events: readonly Message[],
  command: Message,
  commandId: string | undefined,
  contract: MessageContract | undefined,
): WrittenMessage[] {
  const followed = followingMetadata(command);
  if (commandId !== undefined) followed[CAUSATION_ID_KEY] = commandId;
  return events.map((event) => {
    const written = {
      id: event.id ?? newMessageId(),
      type: event.type,
      data: event.data === undefined ? {} : event.data,
      metadata: { ...event.metadata, ...followed },
    };
    return contract === undefined ? written : stampedAsWritten(contract, written);
  });
}

/**
 * The events as the entity's own message type. What was decided and written, or read back
 * from the entity's stream, is by the category's contract one of its events.
 */
function recordedEvents<Event extends RecordedMessage>(
  events: readonly RecordedMessage[],
): Event[] {
  return events as Event[];
}

/** A random 50–100 % of `ms`, so that processes that collided do not collide again. */
function withJitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
