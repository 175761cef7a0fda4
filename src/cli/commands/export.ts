/** `mstore export <stream-or-category>`: every message as NDJSON, for backup or `import`. */
import type { MessageStore } from "../../index.ts";
import type { Command } from "../command.ts";
import { closeOutput, openOutput } from "../files.ts";
import { LineWriter } from "../output.ts";
import { Progress, totalsLine } from "../progress.ts";
import { messageLine } from "../records.ts";
import { isCategoryTarget, readTarget } from "../source.ts";

/** How many messages the export will hold, for the ETA; `undefined` when unknown. */
async function expectedCount(store: MessageStore, target: string): Promise<number | undefined> {
  if (!isCategoryTarget(target)) return (await store.version(target)) + 1;
  try {
    const stats = await store.categories();
    return stats.find((entry) => entry.category === target)?.messages;
  } catch {
    // A backend that cannot list categories still exports, without an ETA.
    return undefined;
  }
}

export const exportCommand: Command = {
  name: "export",
  summary: "write a stream's or a category's messages as NDJSON (to stdout or --out)",
  synopsis: "<stream-or-category> [options]",
  description:
    "One RecordedMessage per line, the format of 'read --json'; 'mstore import' reads it back.",
  options: { out: { type: "string", short: "o" } },
  optionHelp: [["-o, --out <file>", "write to this file instead of stdout"]],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const target = context.positionals[0] as string;
    isCategoryTarget(target);
    const outPath = context.flags.string("out");
    // Before connecting: a path that cannot be written is known without the store.
    const file = outPath === undefined ? undefined : await openOutput(outPath);
    const store = await context.openStore();
    const total = await expectedCount(store, target);
    const writer = file === undefined ? context.stdout : new LineWriter(file);
    const progress = new Progress(context.stderr, "exported", !context.globals.quiet);
    try {
      for await (const message of readTarget(store, target)) {
        await writer.line(messageLine(message));
        const fraction =
          total === undefined || total === 0 ? undefined : (progress.count + 1) / total;
        progress.advance(1, fraction === undefined ? undefined : Math.min(1, fraction));
      }
      await writer.flush();
    } finally {
      progress.finish();
      if (file !== undefined && outPath !== undefined) await closeOutput(file, outPath);
    }
    context.note(totalsLine("exported", progress));
    return undefined;
  },
};
