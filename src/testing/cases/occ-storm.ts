/**
 * An optimistic-concurrency storm: writers in several stores (processes, as far as the
 * backend can tell) race on a few streams, some with the version they read, some blind.
 * Whatever the interleaving, every stream ends dense, every version has exactly one winner,
 * and nothing that was refused is stored.
 */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { isExpectedVersionError } from "../../errors.ts";
import type { MessageStore } from "../../store.ts";
import { uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const STORES = 4;
const WRITERS_PER_STORE = 3;
const ATTEMPTS_PER_WRITER = 8;
const STREAMS = 3;

interface Outcome {
  readonly id: string;
  readonly stream: string;
  /** Where the write says it landed; `undefined` when it was refused. */
  readonly position: number | undefined;
}

/** One writer: reads the version and writes after it, or (every third attempt) writes blind. */
async function raceOn(
  store: MessageStore,
  streams: readonly string[],
  writer: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let attempt = 0; attempt < ATTEMPTS_PER_WRITER; attempt += 1) {
    const stream = streams[(writer + attempt) % streams.length] as string;
    const id = randomUUID();
    const blind = attempt % 3 === 2;
    const expectedVersion = blind ? "any" : await store.version(stream);
    try {
      const { position } = await store.write(
        stream,
        { id, type: "Raced", data: { writer, attempt } },
        { expectedVersion },
      );
      outcomes.push({ id, stream, position });
    } catch (error) {
      if (!isExpectedVersionError(error) || blind) throw error;
      outcomes.push({ id, stream, position: undefined });
    }
  }
  return outcomes;
}

export function occStormCases({ store: newStore, sibling, test }: SuiteContext): void {
  test(
    "writers in several stores racing on a few streams: dense, one winner per version, nothing refused stored",
    async () => {
      const first = await newStore();
      const stores = [first];
      for (let index = 1; index < STORES; index += 1) stores.push(await sibling(first));
      const streams = Array.from({ length: STREAMS }, () => `storm-${uniqueId()}`);

      const outcomes = (
        await Promise.all(
          stores.flatMap((store, storeIndex) =>
            Array.from({ length: WRITERS_PER_STORE }, (_, index) =>
              raceOn(store, streams, storeIndex * WRITERS_PER_STORE + index),
            ),
          ),
        )
      ).flat();

      const refused = new Set(outcomes.filter((o) => o.position === undefined).map((o) => o.id));
      let stored = 0;
      for (const stream of streams) {
        const messages = await first.get(stream);
        stored += messages.length;
        expect(messages.map((m) => m.position)).toEqual(messages.map((_, index) => index));
        expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
        for (const message of messages) expect(refused.has(message.id)).toBe(false);
        const claimed = outcomes
          .filter((o) => o.stream === stream && o.position !== undefined)
          .map((o): [string, number | undefined] => [o.id, o.position]);
        expect(new Map(claimed)).toEqual(new Map(messages.map((m) => [m.id, m.position])));
      }
      expect(stored).toBe(outcomes.length - refused.size);
      // Blind writes always land, so the storm stored at least a third of its attempts.
      expect(stored).toBeGreaterThanOrEqual(outcomes.length / 3);
    },
    { timeoutMs: 60_000 },
  );
}
