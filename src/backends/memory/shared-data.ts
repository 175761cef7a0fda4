/**
 * What memory stores share when they are opened on one name (`connect("memory:orders")`):
 * the category logs, the durable consumers and the re-drive queues, as processes share one
 * NATS server. Tests use it to play a second process (another writer, another member of a
 * consumer) without a server. The data lives while any store on the name is open, and is
 * dropped when the last one closes; `connect("memory:")` has no name and shares nothing.
 */
import { Categories } from "./category.ts";
import type { DurableConsumer } from "./consumer.ts";
import { RedriveQueues } from "./redrive.ts";

export class MemoryData {
  readonly categories: Categories = new Categories();
  /** Durable consumers by target name and consumer name. */
  readonly consumers: Map<string, DurableConsumer> = new Map();
  readonly redrives: RedriveQueues = new RedriveQueues();
  #users = 0;
  readonly #name: string | undefined;

  private constructor(name: string | undefined) {
    this.#name = name;
  }

  /** Data for one store alone. */
  static isolated(): MemoryData {
    return MemoryData.#open(new MemoryData(undefined));
  }

  /** The data every open store named `name` shares, made when none is open. */
  static named(name: string): MemoryData {
    return MemoryData.#open(namedData.get(name) ?? new MemoryData(name));
  }

  static #open(data: MemoryData): MemoryData {
    data.#users += 1;
    if (data.#name !== undefined) namedData.set(data.#name, data);
    return data;
  }

  /** A store is done with the data. Returns `true` for the last one, who closes the consumers. */
  release(): boolean {
    this.#users -= 1;
    if (this.#users > 0) return false;
    if (this.#name !== undefined && namedData.get(this.#name) === this)
      namedData.delete(this.#name);
    return true;
  }
}

const namedData = new Map<string, MemoryData>();
