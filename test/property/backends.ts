/**
 * Runs one input on every backend and compares what each made of it. The memory backend is the
 * reference; NATS joins when the run has a nats-server. A backend's verdict is `"ok"` or the
 * `code` of the `MessageStoreError` it threw; anything else thrown fails the property, since
 * every input must end in a typed error or a success.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { connect, isMessageStoreError, type MessageStore } from "../../src/index.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";

export interface Outcome<T> {
  /** `"ok"`, or the thrown `MessageStoreError`'s code. */
  readonly verdict: string;
  readonly value: T | undefined;
}

/** What `action` gave, or the code it threw. Throws when it threw anything but a MessageStoreError. */
export async function outcome<T>(action: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { verdict: "ok", value: await action() };
  } catch (error) {
    if (!isMessageStoreError(error)) {
      throw new Error(`not a MessageStoreError: ${describe(error)}`, { cause: error });
    }
    return { verdict: error.code, value: undefined };
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an unprintable value";
  }
}

export interface Backends {
  /** One store per backend, memory first. */
  readonly stores: readonly { readonly name: string; readonly store: MessageStore }[];
  /** Runs `check` on every backend in turn and returns the results in the same order. */
  each<T>(check: (store: MessageStore) => Promise<T>): Promise<T[]>;
}

/** Opens a memory store and, when the run has a nats-server, a NATS store; closes them after the file. */
export function useBackends(label: string): Backends {
  const stores: { name: string; store: MessageStore }[] = [];
  beforeAll(async () => {
    stores.push({ name: "memory", store: await connect("memory:") });
    if (hasNats()) {
      stores.push({
        name: "nats",
        store: await connect(natsUrl(), { prefix: uniquePrefix(label) }),
      });
    }
  });
  afterAll(async () => {
    await Promise.allSettled(stores.map(({ store }) => store.close()));
  });
  return {
    stores,
    async each(check) {
      const results = [];
      for (const { store } of stores) results.push(await check(store));
      return results;
    },
  };
}

/** Every backend reached the same verdicts: `pick` says which parts of a result must agree. */
export function expectSameVerdicts<T>(results: readonly T[], pick: (result: T) => unknown): void {
  const [reference, ...others] = results.map(pick);
  for (const other of others) expect(other).toEqual(reference);
}
