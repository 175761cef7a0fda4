/** `mstore read <stream-or-category>`: print stored messages. */
import type { Command } from "../command.ts";
import { messagePrinter } from "../records.ts";
import { isCategoryTarget, readTarget } from "../source.ts";

export const readCommand: Command = {
  name: "read",
  summary: "print a stream's or a category's messages",
  synopsis: "<stream-or-category> [options]",
  description: [
    "A name with a '-' is a stream (account-1); without, a category (account).",
    "Prints a table; with --json, one RecordedMessage per line (NDJSON).",
  ].join("\n"),
  options: {
    from: { type: "string" },
    max: { type: "string" },
    type: { type: "string" },
  },
  optionHelp: [
    ["--from <n>", "start here: a position for a stream, a global position for a category"],
    ["--max <n>", "print at most n messages"],
    ["--type <type>", "only messages of this type"],
  ],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const target = context.positionals[0] as string;
    const category = isCategoryTarget(target);
    const from = context.flags.integer("from", category ? 1 : 0);
    const max = context.flags.integer("max", 0);
    const type = context.flags.string("type");
    const store = await context.openStore();
    const printer = messagePrinter(context);
    if (max === 0) return undefined;
    let printed = 0;
    // With a type filter the cap counts printed messages, so the store reads on past others.
    const messages = readTarget(store, target, {
      from,
      maxCount: type === undefined ? max : undefined,
    });
    for await (const message of messages) {
      if (type !== undefined && message.type !== type) continue;
      await printer.print(message);
      printed++;
      if (max !== undefined && printed >= max) break;
    }
    await printer.end();
    return undefined;
  },
};
