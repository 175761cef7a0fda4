/** `mstore write <stream> <type> [data-json]`: append one message. */
import { type ExpectedVersion, isCategory, type Message } from "../../index.ts";
import type { Command } from "../command.ts";
import { parseInteger, parseJsonArgument } from "../flags.ts";
import { UsageError } from "../usage-error.ts";

const NAMED_VERSIONS = new Set(["any", "exists", "no_stream"]);

function expectedVersionOf(text: string | undefined): ExpectedVersion | undefined {
  if (text === undefined) return undefined;
  if (NAMED_VERSIONS.has(text)) return text as ExpectedVersion;
  return parseInteger(text, "--expected-version", -1, "write");
}

function metadataOf(text: string | undefined): Message["metadata"] {
  if (text === undefined) return undefined;
  const value = parseJsonArgument(text, "--metadata", "write");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError("--metadata must be a JSON object", "write");
  }
  return value as Record<string, unknown>;
}

export const writeCommand: Command = {
  name: "write",
  summary: "append one message to a stream; prints its position and global position",
  synopsis: "<stream> <type> [data-json] [options]",
  description: "data-json defaults to {}. Any JSON value is accepted as data.",
  options: {
    metadata: { type: "string" },
    id: { type: "string" },
    "expected-version": { type: "string" },
  },
  optionHelp: [
    ["--metadata <json>", "metadata, a JSON object"],
    ["--id <uuid>", "the message id (default: a new UUID); retrying with it stores nothing"],
    [
      "--expected-version <n>",
      "refuse unless the stream is at n (-1: new), or no_stream|exists|any",
    ],
  ],
  positionals: { min: 2, max: 3 },
  async run(context) {
    const [stream, type, dataText] = context.positionals as [string, string, string | undefined];
    const data = dataText === undefined ? {} : parseJsonArgument(dataText, "data-json", "write");
    const metadata = metadataOf(context.flags.string("metadata"));
    const expectedVersion = expectedVersionOf(context.flags.string("expected-version"));
    const id = context.flags.string("id");
    const message: Message = {
      type,
      data,
      ...(metadata === undefined ? {} : { metadata }),
      ...(id === undefined ? {} : { id }),
    };
    // A bad name fails with the store's own InvalidStreamNameError before any connection.
    isCategory(stream);
    const store = await context.openStore();
    const result = await store.write(stream, message, { expectedVersion });
    if (context.globals.json) {
      await context.stdout.line(
        JSON.stringify({
          stream,
          position: result.position,
          globalPosition: result.globalPosition,
        }),
      );
    } else if (!context.globals.quiet) {
      await context.stdout.line(
        `position ${result.position}, global position ${result.globalPosition}`,
      );
    }
    return undefined;
  },
};
