/**
 * `npm run bench:storm`: blind writers racing on a few streams, in one shared store against
 * one store each (as separate processes would be). One store queues its own writes to a
 * stream, so they never race; separate stores race on every write and must learn each
 * other's positions. The ratio says how much the races cost.
 *
 *   tsx bench/occ-storm.ts [--writers 16] [--streams 5] [--seconds 3] [--rounds 2]
 */
import { parseArgs } from "node:util";
import { connect, type MessageStore } from "../src/index.ts";
import { startBenchServer } from "./server.ts";

const { values } = parseArgs({
  options: {
    writers: { type: "string", default: "16" },
    streams: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "2" },
  },
});
const writers = Number(values.writers);
const streams = Number(values.streams);
const durationMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);

/** Writes/s of `writers` blind writers cycling over `streams` streams, spread over `stores`. */
async function storm(stores: readonly MessageStore[], label: string): Promise<number> {
  const names = Array.from({ length: streams }, (_, index) => `storm-${label}${index}`);
  let writes = 0;
  const deadline = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const store = stores[writer % stores.length] as MessageStore;
      for (let next = writer; Date.now() < deadline; next += 1) {
        await store.write(names[next % streams] as string, { type: "Raced" });
        writes += 1;
      }
    }),
  );
  return writes / (durationMs / 1000);
}

const server = await startBenchServer((line) => console.log(line));
try {
  const prefix = `storm${Date.now().toString(36)}`;
  const shared = await connect(server.url, { prefix });
  const separate = await Promise.all(
    Array.from({ length: writers }, () => connect(server.url, { prefix })),
  );
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const one = await storm([shared], `shared${round}-`);
    const many = await storm(separate, `separate${round}-`);
    ratios.push(many / one);
    console.log(
      `round ${round + 1}: one shared store ${one.toFixed(0)} writes/s, ${writers} stores ${many.toFixed(0)} writes/s, ratio ${(many / one).toFixed(2)}`,
    );
  }
  console.log(
    `${writers} blind writers on ${streams} streams: separate stores reach ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× one shared store`,
  );
  await Promise.all([shared, ...separate].map((store) => store.close()));
} finally {
  await server.stop();
}
