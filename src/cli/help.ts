/** The help texts: one for `mstore`, one per command, made from the command table. */
import { fileURLToPath } from "node:url";
import type { Command } from "./command.ts";
import { GLOBAL_OPTION_HELP } from "./globals.ts";

/**
 * The CLI's documentation as a path on this machine: the package ships `docs/`, two levels up
 * from both `src/cli` and `dist/cli`, so a user of the installed package has the file.
 */
export const CLI_DOCS: string = fileURLToPath(new URL("../../docs/cli.md", import.meta.url));

const docsLine = `Documentation (every command, flag and --json format): ${CLI_DOCS}`;

function optionLines(options: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...options.map(([flag]) => flag.length));
  return options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

export function commandUsage(command: Command): string {
  return `Usage: mstore ${command.name} ${command.synopsis}`.trimEnd();
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "Usage: mstore <command> [arguments] [options]",
    "",
    "A message store on NATS JetStream: write, read, follow, export and import messages.",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTION_HELP),
    "",
    "Run 'mstore <command> --help' for a command's arguments and options.",
    docsLine,
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const lines = [commandUsage(command), "", command.summary];
  if (command.description !== "") lines.push("", command.description);
  if (command.optionHelp.length > 0) lines.push("", "Options:", ...optionLines(command.optionHelp));
  lines.push("", "Global options:", ...optionLines(GLOBAL_OPTION_HELP), "", docsLine);
  return lines.join("\n");
}
