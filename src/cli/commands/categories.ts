/** `mstore categories`: every category with its size. */
import type { CategoryStats } from "../../index.ts";
import type { Command } from "../command.ts";
import { StreamingTable, terminalWidth } from "../records.ts";

const timeOf = (time: Date | undefined): string | null => time?.toISOString() ?? null;

function categoryLine(stats: CategoryStats): string {
  return JSON.stringify({
    category: stats.category,
    storage: stats.storage,
    messages: stats.messages,
    bytes: stats.bytes,
    firstTime: timeOf(stats.firstTime),
    lastTime: timeOf(stats.lastTime),
  });
}

export const categoriesCommand: Command = {
  name: "categories",
  summary: "list every category with message count, bytes, first and last time",
  synopsis: "[options]",
  description: "With --json, one object per category per line (NDJSON).",
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const store = await context.openStore();
    const stats = await store.categories();
    stats.sort((a, b) => a.category.localeCompare(b.category));
    if (context.globals.json) {
      for (const entry of stats) await context.stdout.line(categoryLine(entry));
      return undefined;
    }
    const table = new StreamingTable({
      columns: [
        { title: "CATEGORY" },
        { title: "MESSAGES", right: true },
        { title: "BYTES", right: true },
        { title: "FIRST" },
        { title: "LAST" },
      ],
      width: terminalWidth(context.stdoutStream),
      emit: (line) => context.stdout.line(line),
      header: (text) => context.style("bold", text),
      sample: Number.POSITIVE_INFINITY,
    });
    for (const entry of stats) {
      await table.row([
        entry.category,
        String(entry.messages),
        String(entry.bytes),
        timeOf(entry.firstTime) ?? "-",
        timeOf(entry.lastTime) ?? "-",
      ]);
    }
    await table.end();
    return undefined;
  },
};
