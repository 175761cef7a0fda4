/** The context plus what only the core of the backend (reads, writes, storage) needs. */
import type { ConnectionWatch } from "./connection.ts";
import type { NatsContext } from "./context.ts";
import type { CategoryStorage } from "./storage.ts";

export interface NatsInternals extends NatsContext {
  readonly catalog: CategoryStorage;
  readonly watch: ConnectionWatch;
}
