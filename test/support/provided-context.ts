// What the global setup hands to every test file through Vitest's `provide`/`inject`.
declare module "vitest" {
  export interface ProvidedContext {
    /** The shared server's URL; "" when no nats-server could be found or fetched. */
    natsUrl: string;
    /** The binary the shared server runs, for tests that start their own; "" when none. */
    natsServerBin: string;
    /** Why NATS tests are skipped; "" when a server runs. */
    natsUnavailableReason: string;
  }
}

export type NatsContextKey = "natsUrl" | "natsServerBin" | "natsUnavailableReason";
