/** `mstore consumers [category]`: every durable consumer with how far behind it is. */
import type { ConsumerInfo } from "../../index.ts";
import type { Command } from "../command.ts";
import { watchConsumers } from "../consumer-watch.ts";
import { StreamingTable, terminalWidth } from "../records.ts";
import { UsageError } from "../usage-error.ts";

function consumerLine(info: ConsumerInfo): string {
  return JSON.stringify({
    category: info.category,
    consumer: info.consumer,
    stream: info.stream ?? null,
    pending: info.pending,
    inFlight: info.inFlight,
    redelivered: info.redelivered,
    lastHandledGlobalPosition: info.lastHandledGlobalPosition,
    lag: info.lag,
  });
}

export const consumersCommand: Command = {
  name: "consumers",
  summary: "list durable consumers with pending, in flight, redelivered and lag",
  synopsis: "[category] [options]",
  description:
    "Without a category, the consumers of every category. With --json, one object per consumer per line (NDJSON). With --watch, lag, handling rate and dead letters are redrawn every interval until Ctrl-C.",
  options: { watch: { type: "boolean" }, interval: { type: "string" }, dlq: { type: "string" } },
  optionHelp: [
    ["--watch", "redraw lag, rate and dead letters until Ctrl-C"],
    ["--interval <ms>", "time between frames with --watch (default 1000)"],
    ["--dlq <category>", "with --watch, count each consumer's dead letters in this category"],
  ],
  positionals: { min: 0, max: 1 },
  async run(context) {
    const intervalMs = context.flags.integer("interval", 50) ?? 1000;
    const watch = context.flags.boolean("watch");
    if (!watch && (context.flags.string("interval") ?? context.flags.string("dlq")) !== undefined)
      throw new UsageError("--interval and --dlq go with --watch", "consumers");
    const store = await context.openStore();
    if (watch) {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const options = {
          category: context.positionals[0],
          intervalMs,
          deadLetter: context.flags.string("dlq"),
        };
        await watchConsumers(context, store, options, controller.signal);
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      return undefined;
    }
    const infos = await store.consumers(context.positionals[0]);
    if (context.globals.json) {
      for (const info of infos) await context.stdout.line(consumerLine(info));
      return undefined;
    }
    const table = new StreamingTable({
      columns: [
        { title: "CATEGORY" },
        { title: "CONSUMER" },
        { title: "PENDING", right: true },
        { title: "IN FLIGHT", right: true },
        { title: "REDELIVERED", right: true },
        { title: "HANDLED TO", right: true },
        { title: "LAG", right: true },
      ],
      width: terminalWidth(context.stdoutStream),
      emit: (line) => context.stdout.line(line),
      header: (text) => context.style("bold", text),
      sample: Number.POSITIVE_INFINITY,
    });
    for (const info of infos) {
      await table.row([
        info.stream ?? info.category,
        info.consumer,
        String(info.pending),
        String(info.inFlight),
        String(info.redelivered),
        String(info.lastHandledGlobalPosition),
        String(info.lag),
      ]);
    }
    await table.end();
    return undefined;
  },
};
