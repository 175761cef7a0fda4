/** `mstore info <stream>`: one stream's version, last time and messages per type. */
import { isCategory } from "../../index.ts";
import type { Command } from "../command.ts";
import { tally, tallyLines } from "../tally.ts";
import { UsageError } from "../usage-error.ts";

export const infoCommand: Command = {
  name: "info",
  summary: "a stream's version, last time and message count per type",
  synopsis: "<stream> [options]",
  description: "For a whole category, use 'mstore summary'.",
  options: {},
  optionHelp: [],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const stream = context.positionals[0] as string;
    if (isCategory(stream)) {
      throw new UsageError(`${stream} is a category; use 'mstore summary ${stream}'`, "info");
    }
    const store = await context.openStore();
    const counted = await tally(store.read(stream));
    const version = await store.version(stream);
    const lastTime = counted.lastTime?.toISOString() ?? null;
    if (context.globals.json) {
      const types = Object.fromEntries(counted.types);
      await context.stdout.line(
        JSON.stringify({ stream, version, messages: counted.messages, lastTime, types }),
      );
      return undefined;
    }
    const lines = tallyLines(
      [
        ["stream", stream],
        ["version", String(version)],
        ["messages", String(counted.messages)],
        ["last time", lastTime ?? "-"],
      ],
      counted.types,
    );
    for (const line of lines) await context.stdout.line(line);
    return undefined;
  },
};
