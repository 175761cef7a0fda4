/**
 * `mstore import <file|->`: write an export back, keeping ids and positions. Each message is
 * written at its original position (`expectedVersion: position - 1`), so a second import of
 * the same file finds every position taken by the same id and stores nothing, and a message
 * that was replaced by a different one is reported, not overwritten.
 */
import { createInterface } from "node:readline";
import {
  type ExpectedVersionError,
  isExpectedVersionError,
  type MessageStore,
} from "../../index.ts";
import type { Command } from "../command.ts";
import { openInput } from "../files.ts";
import { ImportLineError, type ImportRecord, parseImportLine } from "../import-line.ts";
import { KeyedPipeline } from "../pipeline.ts";
import { Progress, totalsLine } from "../progress.ts";
import { StoredIds } from "../stored-ids.ts";

/** Writes in flight across streams; each stream still gets one write at a time. */
const IN_FLIGHT = 64;

function conflictMessage(record: ImportRecord, error: ExpectedVersionError): string {
  if (error.actual < record.position - 1) {
    return `${record.name} is at version ${error.actual}, so position ${record.position} cannot be written yet (does the file miss earlier messages of this stream?)`;
  }
  return `position ${record.position} of ${record.name} already holds a different message than id ${record.message.id ?? ""}; nothing was overwritten`;
}

/** How many lines were written, and how many were found already stored (a re-import). */
interface Counts {
  written: number;
  alreadyStored: number;
}

async function importRecord(
  store: MessageStore,
  storedIds: StoredIds,
  record: ImportRecord,
  counts: Counts,
): Promise<void> {
  if (record.position >= 0) {
    const stored = await storedIds.idAt(record.stream, record.name, record.position);
    if (stored === record.message.id) {
      counts.alreadyStored++;
      return;
    }
    if (stored !== undefined) {
      throw new ImportLineError(
        record.line,
        `position ${record.position} of ${record.name} already holds a different message (id ${stored}, not ${record.message.id ?? ""}); nothing was overwritten`,
        { name: "ExpectedVersionError" },
      );
    }
  }
  await writeRecord(store, record);
  counts.written++;
}

async function writeRecord(store: MessageStore, record: ImportRecord): Promise<void> {
  // Foreign messages (position -1) have no place to hold; they go to the end of their stream.
  const expectedVersion = record.position >= 0 ? record.position - 1 : "any";
  try {
    // Still guarded: another writer may take the position between the check and this write.
    await store.write(record.stream, record.message, { expectedVersion });
  } catch (error) {
    if (isExpectedVersionError(error)) {
      throw new ImportLineError(record.line, conflictMessage(record, error), {
        name: error.name,
        cause: error,
      });
    }
    const name = error instanceof Error ? error.name : "Error";
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportLineError(record.line, reason, { name, cause: error });
  }
}

/**
 * Queues every line of `input` on the pipeline, checked first, until the end, a failed
 * write, or a bad line, which it returns (nothing after it is queued).
 */
async function queueLines(
  input: NodeJS.ReadableStream,
  totalBytes: number | undefined,
  pipeline: KeyedPipeline,
  write: (record: ImportRecord, fraction: number | undefined) => Promise<void>,
): Promise<unknown> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let bytesRead = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      bytesRead += Buffer.byteLength(text) + 1;
      if (pipeline.failure !== undefined) return undefined;
      if (text.trim() === "") continue;
      let record: ImportRecord;
      try {
        record = parseImportLine(text, lineNumber);
      } catch (error) {
        return error;
      }
      const fraction = totalBytes ? Math.min(1, bytesRead / totalBytes) : undefined;
      await pipeline.submit(record.name, () => write(record, fraction));
    }
    return undefined;
  } finally {
    lines.close();
  }
}

/** The earlier of two failures by line, so the report names the first line to fix. */
function firstFailure(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const lineOf = (error: unknown): number =>
    error instanceof ImportLineError ? error.line : Number.POSITIVE_INFINITY;
  return lineOf(b) < lineOf(a) ? b : a;
}

export const importCommand: Command = {
  name: "import",
  summary: "write messages from an NDJSON export (a file, or - for stdin), each exactly once",
  synopsis: "<file|-> [options]",
  description: [
    "Keeps ids, positions and order within each stream; importing the same file twice stores",
    "each message once. A bad line stops the import there: nothing after it is written,",
    "what was written stays, and re-running after the fix writes each message exactly once.",
  ].join("\n"),
  options: {},
  optionHelp: [],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const path = context.positionals[0] as string;
    const fromStdin = path === "-";
    const file = fromStdin ? undefined : await openInput(path);
    const totalBytes = file?.size;
    const input = file?.stream ?? context.stdin;
    const store = await context.openStore();
    const pipeline = new KeyedPipeline(IN_FLIGHT);
    const storedIds = new StoredIds(store);
    const counts: Counts = { written: 0, alreadyStored: 0 };
    const progress = new Progress(context.stderr, "imported", !context.globals.quiet);
    let badLine: unknown;
    try {
      badLine = await queueLines(input, totalBytes, pipeline, async (record, fraction) => {
        await importRecord(store, storedIds, record, counts);
        progress.advance(1, fraction);
      });
      await pipeline.drain();
    } finally {
      file?.stream.destroy();
      progress.finish();
    }
    const failure = firstFailure(pipeline.failure?.error, badLine);
    if (context.globals.json) {
      const seconds = Number(progress.seconds.toFixed(3));
      const { written, alreadyStored } = counts;
      const ok = failure === undefined;
      await context.stdout.line(
        JSON.stringify({ messages: progress.count, written, alreadyStored, seconds, ok }),
      );
    }
    context.note(
      `${totalsLine("imported", progress)}: ${counts.written} written, ${counts.alreadyStored} already stored`,
    );
    if (failure !== undefined) throw failure;
    return undefined;
  },
};
