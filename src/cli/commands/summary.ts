/** `mstore summary <category>`: message counts per type over a whole category. */
import { isCategory } from "../../index.ts";
import type { Command } from "../command.ts";
import { tally, tallyLines } from "../tally.ts";
import { UsageError } from "../usage-error.ts";

export const summaryCommand: Command = {
  name: "summary",
  summary: "a category's message count per type, streams, first and last time",
  synopsis: "<category> [options]",
  description: "Reads the whole category. For one stream, use 'mstore info'.",
  options: {},
  optionHelp: [],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const category = context.positionals[0] as string;
    if (!isCategory(category)) {
      throw new UsageError(`${category} is a stream; use 'mstore info ${category}'`, "summary");
    }
    const store = await context.openStore();
    const counted = await tally(store.readCategory(category));
    const firstTime = counted.firstTime?.toISOString() ?? null;
    const lastTime = counted.lastTime?.toISOString() ?? null;
    if (context.globals.json) {
      await context.stdout.line(
        JSON.stringify({
          category,
          messages: counted.messages,
          streams: counted.streams,
          firstTime,
          lastTime,
          types: Object.fromEntries(counted.types),
        }),
      );
      return undefined;
    }
    const lines = tallyLines(
      [
        ["category", category],
        ["messages", String(counted.messages)],
        ["streams", String(counted.streams)],
        ["first time", firstTime ?? "-"],
        ["last time", lastTime ?? "-"],
      ],
      counted.types,
    );
    for (const line of lines) await context.stdout.line(line);
    return undefined;
  },
};
