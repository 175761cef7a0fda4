/**
 * The two shapes of a message on the command line: one NDJSON line (the `--json`, export
 * and import format) and one row of the readable table.
 */
import type { RecordedMessage } from "../index.ts";

/** A RecordedMessage as one JSON line: fixed key order, `time` as ISO 8601 UTC. */
export function messageLine(message: RecordedMessage): string {
  return JSON.stringify({
    id: message.id,
    type: message.type,
    data: message.data,
    metadata: message.metadata,
    streamName: message.streamName,
    category: message.category,
    streamId: message.streamId,
    position: message.position,
    globalPosition: message.globalPosition,
    time: message.time.toISOString(),
  });
}

export interface Column {
  readonly title: string;
  /** Right-aligned (numbers). */
  readonly right?: boolean;
}

/**
 * A table printed as rows arrive. Widths come from the first rows (the table waits for up to
 * `sample` rows) so a long read starts printing at once; the last column is cut to the
 * terminal's width. A later row wider than its columns widens them and prints the header
 * again above it, so every row lines up with the header above it (`tail` sees one row at a
 * time, and its streams and types vary in length).
 */
export class StreamingTable {
  readonly #columns: readonly Column[];
  readonly #width: number | undefined;
  readonly #emit: (line: string) => Promise<void>;
  readonly #header: (text: string) => string;
  readonly #sample: number;
  #pending: string[][] | undefined = [];
  #widths: number[] = [];

  constructor(options: {
    columns: readonly Column[];
    /** Terminal width; `undefined` prints the last column whole. */
    width: number | undefined;
    emit: (line: string) => Promise<void>;
    header: (text: string) => string;
    sample?: number;
  }) {
    this.#columns = options.columns;
    this.#width = options.width;
    this.#emit = options.emit;
    this.#header = options.header;
    this.#sample = options.sample ?? 200;
  }

  async row(cells: string[]): Promise<void> {
    if (this.#pending === undefined) return this.#print(cells);
    this.#pending.push(cells);
    if (this.#pending.length >= this.#sample) await this.#start();
  }

  /** Prints what is still held back; an empty table still gets its header. */
  async end(): Promise<void> {
    if (this.#pending !== undefined) await this.#start();
  }

  async #start(): Promise<void> {
    const rows = this.#pending ?? [];
    this.#pending = undefined;
    this.#widths = this.#columns.map((column, index) =>
      Math.max(column.title.length, ...rows.map((cells) => (cells[index] ?? "").length)),
    );
    await this.#printHeader();
    for (const cells of rows) await this.#print(cells);
  }

  async #print(cells: string[]): Promise<void> {
    if (this.#widen(cells)) await this.#printHeader();
    await this.#emit(this.#format(cells));
  }

  /** Widens the columns (all but the last) that `cells` overflows; `true` when any was. */
  #widen(cells: readonly string[]): boolean {
    let widened = false;
    for (let index = 0; index < this.#columns.length - 1; index++) {
      const length = (cells[index] ?? "").length;
      if (length > (this.#widths[index] ?? 0)) {
        this.#widths[index] = length;
        widened = true;
      }
    }
    return widened;
  }

  #printHeader(): Promise<void> {
    return this.#emit(this.#header(this.#format(this.#columns.map((column) => column.title))));
  }

  #format(cells: readonly string[]): string {
    const last = this.#columns.length - 1;
    const parts = this.#columns.map((column, index) => {
      const cell = cells[index] ?? "";
      if (index === last) return cell;
      const width = this.#widths[index] ?? cell.length;
      return column.right === true ? cell.padStart(width) : cell.padEnd(width);
    });
    const line = parts.join("  ");
    return this.#width === undefined ? line : shorten(line, this.#width);
  }
}

/** Cuts `text` to `width` characters, marking the cut with an ellipsis. */
export function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** The terminal's width for the last column, or none when stdout is not a terminal. */
export function terminalWidth(stream: NodeJS.WriteStream): number | undefined {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const fromEnv = Number(process.env.COLUMNS);
  return Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}

export const MESSAGE_COLUMNS: readonly Column[] = [
  { title: "POSITION", right: true },
  { title: "GLOBAL", right: true },
  { title: "TIME" },
  { title: "STREAM" },
  { title: "TYPE" },
  { title: "DATA" },
];

export function messageCells(message: RecordedMessage): string[] {
  return [
    String(message.position),
    String(message.globalPosition),
    message.time.toISOString(),
    message.streamName,
    message.type,
    JSON.stringify(message.data) ?? "null",
  ];
}

/** Prints messages as the table, or as NDJSON with `--json`. */
export function messagePrinter(
  context: {
    globals: { json: boolean };
    stdout: { line(text: string): Promise<void> };
    stdoutStream: NodeJS.WriteStream;
    style: (format: "bold", text: string) => string;
  },
  /** Rows to wait for before fixing column widths; 1 for live output. */
  sample?: number,
): { print(message: RecordedMessage): Promise<void>; end(): Promise<void> } {
  if (context.globals.json) {
    return { print: (message) => context.stdout.line(messageLine(message)), end: async () => {} };
  }
  const table = new StreamingTable({
    columns: MESSAGE_COLUMNS,
    width: terminalWidth(context.stdoutStream),
    emit: (line) => context.stdout.line(line),
    header: (text) => context.style("bold", text),
    ...(sample === undefined ? {} : { sample }),
  });
  return { print: (message) => table.row(messageCells(message)), end: () => table.end() };
}
