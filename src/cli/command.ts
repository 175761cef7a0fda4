/**
 * What one `mstore` command is. Each lives in its own file under `commands/` and is listed in
 * `commands/index.ts`; the runner does the parsing, the store's lifecycle and the exit codes,
 * so a command only says what it takes and what it does.
 */
import type { ParseArgsConfig } from "node:util";
import type { MessageStore } from "../index.ts";
import type { Flags } from "./flags.ts";
import type { LoginFlags } from "./globals.ts";
import type { LineWriter } from "./output.ts";
import type { Styler } from "./style.ts";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** Flags every command accepts, resolved from the command line, then the environment. */
export interface GlobalFlags {
  readonly url: string;
  readonly prefix: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly timeoutMs: number | undefined;
  /** Credentials and TLS files for a secured server (globals.ts). */
  readonly login: LoginFlags;
}

export interface CommandContext {
  readonly positionals: readonly string[];
  /** This command's own flags. */
  readonly flags: Flags;
  readonly globals: GlobalFlags;
  /** Results go here, and nothing else does. */
  readonly stdout: LineWriter;
  readonly stdoutStream: NodeJS.WriteStream;
  /** Progress, totals and errors. */
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Styles text bound for stdout (plain unless stdout is a colour terminal). */
  readonly style: Styler;
  /** Connects on first call; the runner closes it after the command. */
  openStore(): Promise<MessageStore>;
  /** A line on stderr for people, dropped with `--quiet`. */
  note(text: string): void;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Arguments after the command name, e.g. `<stream> <type> [data-json]`. */
  readonly synopsis: string;
  /** Further lines of help; may be empty. */
  readonly description: string;
  readonly options: OptionSpecs;
  /** `[flag with value, what it does]`, in the order shown in help. */
  readonly optionHelp: ReadonlyArray<readonly [string, string]>;
  readonly positionals: { readonly min: number; readonly max: number };
  /** Resolves with the exit code (0 when it returns nothing); throws to fail. */
  run(context: CommandContext): Promise<number | undefined>;
}
