/**
 * `NatsContext`: what every part of the NATS backend shares, passed to each as `nats`: the
 * connection, the subject layout, how a category finds its JetStream stream, and how a stored
 * message becomes a RecordedMessage. `index.ts` builds one per store; writes, reads, consumers,
 * tails and dead letters each take it, so none of them reaches into another.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import type { CategorySettings } from "../../backend.ts";
import type { RecordedMessage } from "../../message.ts";
import type { ResolvedOptions } from "../../options.ts";
import type { ConnectionWatch } from "./connection.ts";
import type { Requester } from "./requester.ts";
import type { CategoryStorage } from "./storage.ts";
import type { SubjectLayout } from "./subjects.ts";

/** A message as JetStream stored it, whichever API fetched it. */
export interface StoredMessage {
  /** JetStream stream name. */
  readonly storage: string;
  readonly subject: string;
  readonly sequence: number;
  readonly data: Uint8Array;
  readonly time: Date;
  readonly headers: MsgHdrs | undefined;
}

/** How long a check made during a possible leader election waits for its answer (`checks`). */
export const CHECK_TIMEOUT_MS = 1000;

export interface NatsContext {
  readonly connection: NatsConnection;
  /** Requests where nats.js `request()` costs too much per call: publishes, confirmed acks. */
  readonly requester: Requester;
  readonly jetstream: JetStreamClient;
  readonly manager: JetStreamManager;
  /**
   * The same API with a short timeout (`CHECK_TIMEOUT_MS`, or `timeoutMs` if that is shorter),
   * for what is asked while a leader may be being elected, when nobody answers: whether a
   * stream was deleted, whether a consumer still exists. Cutting such a check short from
   * outside left its request pending for the whole `timeoutMs`.
   */
  readonly checks: JetStreamManager;
  readonly options: ResolvedOptions;
  readonly subjects: SubjectLayout;
  /**
   * The JetStream stream that holds `category`: one named by the layout, or an existing
   * stream whose subjects cover the category (Zencastr may have made it). Cached. When none
   * exists: created if `create` (honouring `createMissingStreams`; `StreamNotFoundError`
   * otherwise), else `undefined` (reads of a missing category yield nothing).
   */
  storageFor(category: string, create: boolean): Promise<string | undefined>;
  /**
   * The JetStream stream of `category`, created with `settings` when none exists, whatever
   * `createMissingStreams` says (as `ensureCategory`). Dead letters use it with
   * `deadLetterCategorySettings` (dead-letter.ts). Cached
   * like `storageFor`.
   */
  ensureStorage(category: string, settings: CategorySettings): Promise<string>;
  /**
   * A stored message as a RecordedMessage of `category`. Dead letters (which carry the
   * `Ms-Original-Stream` header) keep their original category, stream id and position.
   * Throws `MalformedMessageError` for a body that is not a JSON object with a string type.
   */
  decode(category: string, stored: StoredMessage): RecordedMessage;
  /** The categories' JetStream streams as this store knows them: layout, guard, creation. */
  readonly catalog: CategoryStorage;
  /** Connection status as writes need it: whether a failed request may be retried. */
  readonly watch: ConnectionWatch;
}
