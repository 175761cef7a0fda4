/**
 * The connection-level events of one NATS consumer source, for `ConsumerSource.status()`:
 * the consume (re)established, the client disconnected or reconnected, heartbeats missed.
 * Connection events are watched only while someone reads them, and never after the source closes.
 */
import type { Status } from "@nats-io/transport-node";
import type { BackendStatus } from "../../backend.ts";
import { EventChannel } from "../../util/event-channel.ts";
import type { NatsContext } from "./context.ts";

export class NatsSourceStatus {
  readonly #nats: NatsContext;
  readonly #events = new EventChannel<BackendStatus>();
  readonly #closed: AbortSignal;
  #watching = false;

  constructor(nats: NatsContext, closed: AbortSignal) {
    this.#nats = nats;
    this.#closed = closed;
    closed.addEventListener("abort", () => this.#events.end(), { once: true });
  }

  report(event: BackendStatus): void {
    if (!this.#closed.aborted) this.#events.publish(event);
  }

  iterate(): AsyncIterable<BackendStatus> {
    if (this.#closed.aborted) return this.#events.iterate(() => true);
    const events = this.#events.iterate();
    if (!this.#watching) {
      this.#watching = true;
      void this.#watchConnection();
    }
    return events;
  }

  async #watchConnection(): Promise<void> {
    // nats.js hands out a queued iterator with `stop()`; it ends the loop below on close.
    const statuses: AsyncIterable<Status> & { stop?: () => void } = this.#nats.connection.status();
    const stop = (): void => statuses.stop?.();
    this.#closed.addEventListener("abort", stop, { once: true });
    try {
      for await (const status of statuses) {
        if (this.#closed.aborted) break;
        if (status.type === "disconnect")
          this.report({ type: "disconnected", detail: status.server });
        else if (status.type === "reconnect")
          this.report({ type: "reconnected", detail: status.server });
      }
    } catch {
      // The connection closed: nothing more to report.
    } finally {
      this.#closed.removeEventListener("abort", stop);
    }
  }
}
