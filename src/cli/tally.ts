/** Counting messages by type, shared by `info` and `summary`. */
import type { RecordedMessage } from "../index.ts";

export interface Tally {
  messages: number;
  streams: number;
  /**
   * Type → count, most frequent first, ties by name: one order for `info` and `summary`, in
   * their tables and their JSON alike (read order would differ between a stream and its category).
   */
  types: Map<string, number>;
  firstTime: Date | undefined;
  lastTime: Date | undefined;
}

export async function tally(messages: AsyncIterable<RecordedMessage>): Promise<Tally> {
  const result: Tally = {
    messages: 0,
    streams: 0,
    types: new Map(),
    firstTime: undefined,
    lastTime: undefined,
  };
  const streams = new Set<string>();
  for await (const message of messages) {
    result.messages++;
    streams.add(message.streamName);
    result.types.set(message.type, (result.types.get(message.type) ?? 0) + 1);
    result.firstTime ??= message.time;
    result.lastTime = message.time;
  }
  result.streams = streams.size;
  result.types = new Map([...result.types].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return result;
}

/** `label  value` lines, then the type counts indented (in the tally's order), for people. */
export function tallyLines(
  fields: ReadonlyArray<readonly [string, string]>,
  types: Map<string, number>,
): string[] {
  const width = Math.max(...fields.map(([label]) => label.length));
  const lines = fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  const sorted = [...types];
  const typeWidth = Math.max(0, ...sorted.map(([type]) => type.length));
  lines.push("types");
  if (sorted.length === 0) lines.push("  (none)");
  for (const [type, count] of sorted) lines.push(`  ${type.padEnd(typeWidth)}  ${count}`);
  return lines;
}
