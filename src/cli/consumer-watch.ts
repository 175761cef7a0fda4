/**
 * `mstore consumers --watch`: the consumers' lag, handling rate and dead letters, redrawn
 * every interval until Ctrl-C (or SIGTERM, or a closed pipe, which the runner turns into a
 * quiet exit). On a terminal each frame overwrites the last in one write, line by line with
 * clear-to-end-of-line, so nothing is blanked first and nothing flickers; to a pipe, each frame
 * is a table followed by a blank line, or with --json one NDJSON object per consumer per frame.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumerInfo, MessageStore } from "../index.ts";
import type { CommandContext } from "./command.ts";
import { shorten, terminalWidth } from "./records.ts";

export interface WatchOptions {
  readonly category: string | undefined;
  readonly intervalMs: number;
  /** The dead-letter category whose letters are counted per consumer; none: not shown. */
  readonly deadLetter: string | undefined;
}

export interface WatchRow {
  readonly info: ConsumerInfo;
  /** Messages handled per second since the previous frame; `undefined` on the first. */
  readonly rate: number | undefined;
  readonly deadLetters: number | undefined;
}

const HOME = "\x1b[H";
const CLEAR_LINE_END = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

const keyOf = (info: ConsumerInfo): string => `${info.category}\u0000${info.consumer}`;

/** Runs until `signal` aborts. */
export async function watchConsumers(
  context: CommandContext,
  store: MessageStore,
  options: WatchOptions,
  signal: AbortSignal,
): Promise<void> {
  const tty = context.stdoutStream.isTTY === true && !context.globals.json;
  const write = (text: string): Promise<void> => writeAll(context.stdoutStream, text);
  let previous = new Map<string, { handled: number; at: number }>();
  if (tty) await write(HIDE_CURSOR);
  try {
    while (!signal.aborted) {
      const at = performance.now();
      const infos = await store.consumers(options.category);
      const deadLetters = await deadLettersByConsumer(store, options.deadLetter);
      const rows = infos.map((info): WatchRow => {
        const before = previous.get(keyOf(info));
        const seconds = before === undefined ? 0 : (at - before.at) / 1000;
        return {
          info,
          rate:
            before === undefined || seconds <= 0
              ? undefined
              : Math.max(0, info.lastHandledGlobalPosition - before.handled) / seconds,
          deadLetters:
            deadLetters?.get(info.consumer) ?? (deadLetters === undefined ? undefined : 0),
        };
      });
      previous = new Map(
        infos.map((info) => [keyOf(info), { handled: info.lastHandledGlobalPosition, at }]),
      );
      if (context.globals.json) {
        const time = new Date().toISOString();
        await write(rows.map((row) => `${JSON.stringify(rowObject(row, time))}\n`).join(""));
      } else {
        const width = terminalWidth(context.stdoutStream);
        const lines = frameLines(rows, new Date(), width);
        await write(tty ? terminalFrame(lines) : `${lines.join("\n")}\n\n`);
      }
      await sleep(options.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    if (tty) await write(SHOW_CURSOR).catch(() => undefined);
  }
}

async function deadLettersByConsumer(
  store: MessageStore,
  category: string | undefined,
): Promise<Map<string, number> | undefined> {
  if (category === undefined) return undefined;
  const counts = new Map<string, number>();
  // Zencastr's dead letters do not say which consumer failed them: they count for none.
  for (const { consumer } of await store.deadLetters(category))
    if (consumer !== undefined) counts.set(consumer, (counts.get(consumer) ?? 0) + 1);
  return counts;
}

function rowObject(row: WatchRow, time: string): Record<string, unknown> {
  return {
    time,
    category: row.info.category,
    consumer: row.info.consumer,
    lag: row.info.lag,
    pending: row.info.pending,
    inFlight: row.info.inFlight,
    lastHandledGlobalPosition: row.info.lastHandledGlobalPosition,
    ratePerSecond: row.rate === undefined ? null : Math.round(row.rate * 10) / 10,
    deadLetters: row.deadLetters ?? null,
  };
}

const COLUMNS = ["CATEGORY", "CONSUMER", "LAG", "IN FLIGHT", "RATE/S", "DEAD"] as const;
const RIGHT_FROM = 2;

/** One frame as lines: a title, the header and a row per consumer, padded to line up. */
export function frameLines(
  rows: readonly WatchRow[],
  now: Date,
  width: number | undefined,
): string[] {
  const cells = rows.map((row) => [
    row.info.stream ?? row.info.category,
    row.info.consumer,
    String(row.info.lag),
    String(row.info.inFlight),
    row.rate === undefined ? "-" : row.rate.toFixed(1),
    row.deadLetters === undefined ? "-" : String(row.deadLetters),
  ]);
  const widths = COLUMNS.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? "").length)),
  );
  const format = (line: readonly string[]): string => {
    const text = line
      .map((cell, column) => {
        const size = widths[column] ?? 0;
        return column >= RIGHT_FROM ? cell.padStart(size) : cell.padEnd(size);
      })
      .join("  ")
      .trimEnd();
    return width === undefined ? text : shorten(text, width);
  };
  const title = `consumers at ${now.toISOString()} (Ctrl-C to stop)`;
  const body = cells.length === 0 ? ["(no consumers)"] : cells.map(format);
  return [title, format(COLUMNS), ...body];
}

/** A frame that overwrites the previous one in place: home, each line cleared to its end, the rest below cleared. */
export function terminalFrame(lines: readonly string[]): string {
  return `${HOME}${lines.map((line) => `${line}${CLEAR_LINE_END}`).join("\n")}\n${CLEAR_BELOW}`;
}

function writeAll(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
