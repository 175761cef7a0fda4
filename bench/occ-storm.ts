/**
 * `npm run bench:storm`: blind writers racing on a few streams, in one shared store against
 * one store each (as separate processes would be). One store queues its own writes to a
 * stream, so they never race; separate stores race on every write and must learn each
 * other's positions. The ratio says how much the races cost.
 *
 * Each round also runs the separate stores with no race at all (every writer on a stream of
 * its own): what 16 connections in one process reach when every write is one publish, the
 * ceiling for the racing figure on this machine. `--count` counts the requests each stored
 * write took (publishes stored and refused, direct gets), by wrapping the store's requester.
 *
 *   tsx bench/occ-storm.ts [--writers 16] [--streams 5] [--seconds 3] [--rounds 2] [--count]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Requester } from "../src/backends/nats/requester.ts";
import { connect, type MessageStore } from "../src/index.ts";
import { type CpuShare, describeCpu, measureCpu } from "./process-cpu.ts";
import { startBenchServer } from "./server.ts";

const { values } = parseArgs({
  options: {
    writers: { type: "string", default: "16" },
    streams: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "2" },
    count: { type: "boolean", default: false },
  },
});
const writers = Number(values.writers);
const streams = Number(values.streams);
const durationMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);

/** Requests by kind since the last `takeCounts()`, when `--count` is given. */
const counts = new Map<string, number>();
if (values.count) countRequests();

function countRequests(): void {
  const bump = (kind: string): void => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  };
  const decoder = new TextDecoder();
  const requestReplies = Requester.prototype.requestReplies;
  Requester.prototype.requestReplies = function (subject, body, timeoutMs, onReply, headers) {
    const kind = subject.startsWith("$JS.API.DIRECT.GET.")
      ? "direct gets"
      : subject.startsWith("$JS.API.")
        ? "other API requests"
        : "publishes";
    bump(kind);
    const counted: typeof onReply = (reply) => {
      if (kind === "publishes" && decoder.decode(reply.data).includes('"error"')) bump("refused");
      return onReply(reply);
    };
    return requestReplies.call(this, subject, body, timeoutMs, counted, headers);
  };
}

/**
 * The requests each stored write took, by kind, and what the client and server spent per
 * request: with 16 connections each request is a socket write and a wake-up of its own on
 * both sides, where one shared connection sends many in one.
 */
function takeCounts(writes: number, cpu: CpuShare): { text: string; perWrite: number } {
  if (!values.count) return { text: "", perWrite: Number.NaN };
  const perWrite = [...counts].map(([kind, n]) => `${(n / writes).toFixed(2)} ${kind}`);
  // Refused publishes are counted among the publishes too.
  const requests = [...counts].reduce((sum, [kind, n]) => (kind === "refused" ? sum : sum + n), 0);
  counts.clear();
  const microseconds = (ms: number | undefined): string =>
    ms === undefined ? "?" : ((ms * 1000) / requests).toFixed(0);
  const perRequest = `CPU per request: client ${microseconds(cpu.clientMs)} µs, server ${microseconds(cpu.serverMs)} µs`;
  return {
    text: ` (per stored write: ${perWrite.join(", ")}; ${perRequest})`,
    perWrite: requests / writes,
  };
}

/**
 * Writes/s of `writers` blind writers cycling over `streams` streams, spread over `stores`,
 * for `forMs`; with `alone`, each writer keeps to a stream of its own instead.
 */
async function storm(
  stores: readonly MessageStore[],
  label: string,
  alone = false,
  forMs = durationMs,
): Promise<{ rate: number; counted: string; requestsPerWrite: number; cpu: string }> {
  const names = Array.from({ length: streams }, (_, index) => `storm-${label}${index}`);
  let writes = 0;
  counts.clear();
  const measured = measureCpu(server.pid);
  const deadline = Date.now() + forMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const store = stores[writer % stores.length] as MessageStore;
      for (let next = writer; Date.now() < deadline; next += 1) {
        const stream = alone ? `storm-${label}${writer}` : (names[next % streams] as string);
        await store.write(stream, { type: "Raced" });
        writes += 1;
      }
    }),
  );
  const cpu = measured();
  const counted = takeCounts(writes, cpu);
  return {
    rate: writes / (forMs / 1000),
    counted: counted.text,
    requestsPerWrite: counted.perWrite,
    cpu: describeCpu(cpu),
  };
}

const load = (): string => `load ${loadavg()[0]?.toFixed(2)}`;

const server = await startBenchServer((line) => console.log(line));
try {
  const prefix = `storm${Date.now().toString(36)}`;
  const shared = await connect(server.url, { prefix });
  const separate = await Promise.all(
    Array.from({ length: writers }, () => connect(server.url, { prefix })),
  );
  // An unreported round first: the first seconds of a run measure the JIT, not the store,
  // and whichever case ran first came out slowest.
  await storm([shared], "warm-shared-", false, durationMs / 3);
  await storm(separate, "warm-separate-", false, durationMs / 3);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const one = await storm([shared], `shared${round}-`);
    console.log(
      `round ${round + 1}: one shared store ${one.rate.toFixed(0)} writes/s${one.counted}, ${one.cpu}, ${load()}`,
    );
    const many = await storm(separate, `separate${round}-`);
    console.log(
      `round ${round + 1}: ${writers} stores racing ${many.rate.toFixed(0)} writes/s${many.counted}, ${many.cpu}, ${load()}`,
    );
    const alone = await storm(separate, `alone${round}-`, true);
    console.log(
      `round ${round + 1}: ${writers} stores, no race ${alone.rate.toFixed(0)} writes/s${alone.counted}, ${alone.cpu}, ${load()}`,
    );
    ratios.push(many.rate / one.rate);
    console.log(
      `round ${round + 1}: racing / shared ${(many.rate / one.rate).toFixed(2)}, no race / shared ${(alone.rate / one.rate).toFixed(2)}`,
    );
    // The 16 stores are bound by CPU spent per request: racing, each stored write takes
    // `requestsPerWrite` requests where it takes one with no race (docs/reliability.md).
    if (values.count) {
      const predicted = alone.rate / many.requestsPerWrite;
      console.log(
        `round ${round + 1}: racing / (no race / requests per stored write) ${(many.rate / predicted).toFixed(2)} (${many.rate.toFixed(0)} against ${predicted.toFixed(0)} writes/s)`,
      );
    }
  }
  console.log(
    `${writers} blind writers on ${streams} streams: separate stores reach ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× one shared store`,
  );
  await Promise.all([shared, ...separate].map((store) => store.close()));
} finally {
  await server.stop();
}
