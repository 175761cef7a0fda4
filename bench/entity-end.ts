/**
 * `npm run bench:end`: what it costs to look up where an entity ends, by how long the entity
 * is. In the position layout each message sits on a subject of its own,
 * `{prefix}.{category}.{id}.{position}`, so the end is the last message on the wildcard
 * `{id}.*`, and the server finds it by going through the entity's subjects. Side by side in
 * one run, on one entity of each length:
 *
 * - the store's `version()`: the store's lookup (that direct get, and one on the bare subject);
 * - raw nats.js: a direct get of the last message on the wildcard, the same question by hand;
 * - raw nats.js on one exact subject (the last position, already known): what a lookup
 *   costs when the server need not search, the floor.
 *
 * Then writes with an exact expected version by two stores in turn, each behind the entity by
 * the other's last write, as two processes handling commands on one entity are: the store
 * confirms the expected position and publishes after it. The raw baseline is what a user
 * would write by hand for the same check: a direct get of that position, then a publish at
 * the next one (the position guard refuses a taken one).
 *
 *   tsx bench/entity-end.ts [--lengths 10,1000,10000,50000] [--lookups 1000]
 */
import { parseArgs } from "node:util";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect } from "../src/index.ts";
import { startBenchServer } from "./server.ts";

const { values } = parseArgs({
  options: {
    lengths: { type: "string", default: "10,1000,10000,50000" },
    lookups: { type: "string", default: "1000" },
  },
});
const lengths = values.lengths.split(",").map(Number);
const lookups = Number(values.lookups);
/** The most messages one atomic write may hold on NATS. */
const WRITE_SIZE = 1000;

/** Mean microseconds of `lookup`, one at a time, after a warm-up for the JIT. */
async function timed(lookup: () => Promise<unknown>): Promise<number> {
  for (let warm = 0; warm < 300; warm += 1) await lookup();
  const started = performance.now();
  for (let done = 0; done < lookups; done += 1) await lookup();
  return ((performance.now() - started) * 1000) / lookups;
}

/** Writes an entity of `length` messages and times the three lookups of its end, then the writes. */
async function measure(
  manager: JetStreamManager,
  client: JetStreamClient,
  length: number,
  label: string,
): Promise<string> {
  const category = `${label}${length}`;
  const stream = `${category}-1`;
  for (let written = 0; written < length; written += WRITE_SIZE) {
    const count = Math.min(WRITE_SIZE, length - written);
    await store.write(
      stream,
      Array.from({ length: count }, () => ({ type: "Happened" })),
    );
  }
  // Another entity in the category, so the JetStream stream is not the one entity alone.
  await store.write(`${category}-2`, { type: "Happened" });
  const storage = `${prefix}-${category}`;
  const wildcard = `${prefix}.${category}.1.*`;
  const exact = `${prefix}.${category}.1.${length - 1}`;
  const viaStore = await timed(() => store.version(stream));
  const viaWildcard = await timed(() =>
    manager.direct.getMessage(storage, { last_by_subj: wildcard }),
  );
  const viaExact = await timed(() => manager.direct.getMessage(storage, { last_by_subj: exact }));
  const lookedUp = `${length} messages: store version() ${viaStore.toFixed(0)} µs, raw wildcard get ${viaWildcard.toFixed(0)} µs (store / raw ${(viaStore / viaWildcard).toFixed(2)}×), raw exact-subject get ${viaExact.toFixed(0)} µs`;

  let version = length - 1;
  let turn = 0;
  const storeWrite = await timed(async () => {
    const writer = turn++ % 2 === 0 ? store : other;
    await writer.write(stream, { type: "Happened" }, { expectedVersion: version });
    version += 1;
  });
  const body = new TextEncoder().encode(JSON.stringify({ type: "Happened", data: {} }));
  const rawWrite = await timed(async () => {
    const at = `${prefix}.${category}.1.${version}`;
    if ((await manager.direct.getMessage(storage, { last_by_subj: at })) === null) {
      throw new Error(`no message at ${at}`);
    }
    await client.publish(`${prefix}.${category}.1.${version + 1}`, body);
    version += 1;
  });
  const wrote = `a write behind the entity: store ${storeWrite.toFixed(0)} µs, raw get and publish ${rawWrite.toFixed(0)} µs (store / raw ${(storeWrite / rawWrite).toFixed(2)}×)`;
  return `${lookedUp}; ${wrote}`;
}

const server = await startBenchServer((line) => console.log(line));
const prefix = `end${Date.now().toString(36)}`;
const store = await connect(server.url, { prefix });
const other = await connect(server.url, { prefix });
const raw = await natsConnect({ servers: server.url });
try {
  const manager = await jetstreamManager(raw);
  const client = jetstream(raw);
  console.log(`${lookups} of each, one at a time; mean µs per lookup or write`);
  // An unreported round first: whichever length came first measured the JIT, not the lookup.
  await measure(manager, client, 10, "warm");
  for (const length of lengths) console.log(await measure(manager, client, length, "long"));
} finally {
  await raw.close();
  await store.close();
  await other.close();
  await server.stop();
}
