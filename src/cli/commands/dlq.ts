/**
 * `mstore dlq list|redrive|discard <dlq>`: the dead-letter workflow. `list` shows each dead
 * letter with why it died; `redrive` hands them back to the consumers that failed them (a
 * running subscription with that dead-letter category picks them up); `discard` removes one.
 */
import type { DeadLetterRecord } from "../../index.ts";
import type { Command, CommandContext } from "../command.ts";
import { StreamingTable, terminalWidth } from "../records.ts";
import { UsageError } from "../usage-error.ts";

const ACTIONS = ["list", "redrive", "discard"] as const;
/** What the table shows for a detail another writer's dead letter does not record. */
const UNKNOWN = "(unknown)";
type Action = (typeof ACTIONS)[number];

function recordObject(record: DeadLetterRecord): Record<string, unknown> {
  return {
    deadLetterPosition: record.deadLetterPosition,
    // null: another writer's dead letter (Zencastr's) records none of these.
    consumer: record.consumer ?? null,
    reason: record.reason,
    error: record.error,
    attempts: record.attempts ?? null,
    time: record.time.toISOString(),
    streamName: record.streamName,
    originalSequence: record.originalSequence ?? null,
    message: record.message ?? null,
  };
}

async function list(context: CommandContext, records: readonly DeadLetterRecord[]): Promise<void> {
  if (context.globals.json) {
    for (const record of records) await context.stdout.line(JSON.stringify(recordObject(record)));
    return;
  }
  const table = new StreamingTable({
    columns: [
      { title: "POSITION", right: true },
      { title: "TIME" },
      { title: "CONSUMER" },
      { title: "STREAM" },
      { title: "TYPE" },
      { title: "REASON" },
      { title: "ATTEMPTS", right: true },
      { title: "ERROR" },
    ],
    width: terminalWidth(context.stdoutStream),
    emit: (line) => context.stdout.line(line),
    header: (text) => context.style("bold", text),
    sample: Number.POSITIVE_INFINITY,
  });
  for (const record of records) {
    await table.row([
      String(record.deadLetterPosition),
      record.time.toISOString(),
      record.consumer ?? UNKNOWN,
      record.message === undefined || record.message.position < 0
        ? record.streamName
        : `${record.streamName}/${record.message.position}`,
      record.message?.type ?? "(malformed)",
      record.reason,
      record.attempts === undefined ? UNKNOWN : String(record.attempts),
      record.error,
    ]);
  }
  await table.end();
}

export const dlqCommand: Command = {
  name: "dlq",
  summary: "list, re-drive or discard the dead letters of a dead-letter category",
  synopsis: "list|redrive|discard <dlq> [options]",
  description: [
    "list     each dead letter: position, time, consumer, original stream, reason, attempts, error",
    "redrive  hand dead letters back to the consumers that failed them (no copy is appended to the",
    "         entity's stream); a subscription with this dead-letter category handles them",
    "discard  remove the dead letter at --position",
  ].join("\n"),
  options: {
    consumer: { type: "string" },
    position: { type: "string" },
  },
  optionHelp: [
    ["--consumer <name>", "only the dead letters of this consumer"],
    ["--position <n>", "the dead letter at this position (required by discard)"],
  ],
  positionals: { min: 2, max: 2 },
  async run(context) {
    const [actionText = "", deadLetter = ""] = context.positionals;
    if (!(ACTIONS as readonly string[]).includes(actionText)) {
      throw new UsageError(`unknown dlq action ${JSON.stringify(actionText)}`, "dlq");
    }
    const action = actionText as Action;
    const consumer = context.flags.string("consumer");
    const position = context.flags.integer("position", 1);
    const store = await context.openStore();
    if (action === "discard") {
      if (position === undefined) throw new UsageError("dlq discard needs --position", "dlq");
      const removed = await store.discardDeadLetter(deadLetter, position);
      if (context.globals.json) {
        await context.stdout.line(
          JSON.stringify({ deadLetterPosition: position, discarded: removed }),
        );
      } else {
        await context.stdout.line(
          removed ? `discarded ${position}` : `no dead letter at ${position}`,
        );
      }
      return removed ? undefined : 1;
    }
    const chosen = (record: DeadLetterRecord): boolean =>
      position === undefined || record.deadLetterPosition === position;
    if (action === "list") {
      await list(context, (await store.deadLetters(deadLetter, { consumer })).filter(chosen));
      return undefined;
    }
    const redriven = await store.redrive(deadLetter, { consumer, filter: chosen });
    if (context.globals.json) {
      for (const record of redriven) {
        await context.stdout.line(JSON.stringify({ ...recordObject(record), redriven: true }));
      }
    } else {
      await context.stdout.line(`re-drove ${redriven.length} dead letter(s)`);
    }
    return undefined;
  },
};
