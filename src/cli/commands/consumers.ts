/** `mstore consumers [category]`: every durable consumer with how far behind it is. */
import type { ConsumerInfo } from "../../index.ts";
import type { Command } from "../command.ts";
import { StreamingTable, terminalWidth } from "../records.ts";

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
    "Without a category, the consumers of every category. With --json, one object per consumer per line (NDJSON).",
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 1 },
  async run(context) {
    const store = await context.openStore();
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
