/** `mstore tail <stream-or-category>`: follow new messages live until Ctrl-C. */
import type { Command } from "../command.ts";
import { messagePrinter } from "../records.ts";
import { isCategoryTarget } from "../source.ts";
import { UsageError } from "../usage-error.ts";

/** `undefined`: only messages written from now on (the store's default). */
function startOf(from: string | undefined): number | undefined {
  if (from === undefined || from === "end") return undefined;
  if (from === "beginning") return 1;
  const position = /^\d+$/.test(from.trim()) ? Number(from) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 1) {
    throw new UsageError(
      `--from must be beginning, end or a global position >= 1, got ${JSON.stringify(from)}`,
      "tail",
    );
  }
  return position;
}

export const tailCommand: Command = {
  name: "tail",
  summary: "follow a stream's or a category's messages live, until Ctrl-C",
  synopsis: "<stream-or-category> [options]",
  description:
    "Prints as 'read' does (a table, or NDJSON with --json). Ctrl-C stops it and exits 0.",
  options: { from: { type: "string" } },
  optionHelp: [
    ["--from <where>", "beginning, end (default: only new messages) or a global position n"],
  ],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const target = context.positionals[0] as string;
    isCategoryTarget(target);
    const fromGlobalPosition = startOf(context.flags.string("from"));
    const store = await context.openStore();
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const printer = messagePrinter(context, 1);
      const messages = store.tail(target, { fromGlobalPosition, signal: controller.signal });
      for await (const message of messages) {
        await printer.print(message);
        await context.stdout.flush();
      }
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    return undefined;
  },
};
