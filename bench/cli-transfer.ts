/**
 * Export and import rates of the built `mstore` for 100k messages (1,000 streams of 100)
 * against a local nats-server with a temporary store. Run `npm run build` first, then
 * `npx tsx bench/cli-transfer.ts [count]`. Prints one line per step.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findNatsServer } from "../src/server/find-nats-server.ts";
import { startNatsServer } from "../src/server/run-nats-server.ts";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const COUNT = Number(process.argv[2] ?? 100_000);
const PER_STREAM = 100;

function sourceFile(count: number): string {
  const lines: string[] = [];
  for (let n = 0; n < count; n++) {
    lines.push(
      JSON.stringify({
        id: randomUUID(),
        type: "Deposited",
        data: { amount: n, note: "benchmark message" },
        metadata: { correlationId: `bench-${n}` },
        streamName: `account-${Math.floor(n / PER_STREAM)}`,
        position: n % PER_STREAM,
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

async function timed(label: string, url: string, prefix: string, args: string[]): Promise<void> {
  const started = performance.now();
  await run(process.execPath, [MAIN, "--url", url, "--prefix", prefix, "--quiet", ...args], {
    maxBuffer: 1024 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(COUNT / seconds);
  console.log(
    `${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${String(rate).padStart(7)} msg/s`,
  );
}

const dir = await mkdtemp(join(tmpdir(), "mstore-bench-"));
const binary = await findNatsServer();
const server = await startNatsServer({ binary: binary.path });
try {
  console.log(`nats-server ${server.version}, ${COUNT} messages in ${COUNT / PER_STREAM} streams`);
  const input = join(dir, "input.ndjson");
  const exported = join(dir, "export.ndjson");
  await writeFile(input, sourceFile(COUNT));
  await timed("import (new category)", server.url, "a", ["import", input]);
  await timed("import again (all already there)", server.url, "a", ["import", input]);
  await timed("export category to file", server.url, "a", ["export", "account", "--out", exported]);
  await timed("import export into another prefix", server.url, "b", ["import", exported]);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
