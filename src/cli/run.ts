/**
 * The runner: finds the command, parses its flags strictly (global ones included), opens
 * the store on demand, and maps the outcome to an exit code: 0 done, 1 failed, 2 misused.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connect, type MessageStore } from "../index.ts";
import type { Command, CommandContext, GlobalFlags, OptionSpecs } from "./command.ts";
import { COMMANDS, findCommand } from "./commands/index.ts";
import { Flags } from "./flags.ts";
import { GLOBAL_OPTIONS, GLOBAL_VALUE_FLAGS, loginOptions, resolveGlobals } from "./globals.ts";
import { commandHelp, commandUsage, mainHelp } from "./help.ts";
import { exitQuietlyOnClosedPipe, LineWriter } from "./output.ts";
import { reportError } from "./report.ts";
import { stylerFor } from "./style.ts";
import { isUsageError, UsageError } from "./usage-error.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The version in package.json, two levels up from both `src/cli` and `dist/cli`. */
export function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** The index of the command name: the first argument that is neither a flag nor a flag's value. */
function commandIndex(argv: readonly string[]): number {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") return -1;
    if (GLOBAL_VALUE_FLAGS.has(arg)) index++;
    else if (!arg.startsWith("-")) return index;
  }
  return -1;
}

/**
 * parseArgs refuses `--expected-version -1` as ambiguous; a negative number after a flag that
 * takes a value is that value, so it is joined as `--expected-version=-1`.
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const next = argv[index + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    const takesValue = name !== undefined && options[name]?.type === "string";
    if (takesValue && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function parse(argv: readonly string[], command: Command | undefined) {
  const options = { ...GLOBAL_OPTIONS, ...command?.options };
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs' messages already name the flag; its codes are ERR_PARSE_ARGS_*.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message, command?.name);
  }
}

export async function run(argv: readonly string[]): Promise<number> {
  const stderrStyle = stylerFor(process.stderr);
  exitQuietlyOnClosedPipe(process.stdout);
  let globals: GlobalFlags | undefined;
  try {
    const at = commandIndex(argv);
    const name = at === -1 ? undefined : (argv[at] as string);
    const command = name === undefined ? undefined : findCommand(name);
    if (name !== undefined && command === undefined) {
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    }
    const rest = at === -1 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
    const parsed = parse(rest, command);
    const flags = new Flags(parsed.values, command?.name);
    if (flags.boolean("version") && command === undefined) {
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT_OK;
    }
    if (flags.boolean("help") || command === undefined) {
      const help = command === undefined ? mainHelp(COMMANDS) : commandHelp(command);
      process.stdout.write(`${help}\n`);
      return command === undefined && !flags.boolean("help") ? EXIT_USAGE : EXIT_OK;
    }
    globals = resolveGlobals(flags, process.env);
    const { min, max } = command.positionals;
    const count = parsed.positionals.length;
    if (count < min) throw new UsageError("missing argument", command.name);
    if (count > max) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(parsed.positionals[max])}`,
        command.name,
      );
    }
    return await runCommand(command, parsed.positionals, flags, globals);
  } catch (error) {
    if (isUsageError(error)) {
      const command = error.command === undefined ? undefined : findCommand(error.command);
      process.stderr.write(`${stderrStyle("red", `UsageError: ${error.message}`)}\n`);
      process.stderr.write(
        command === undefined
          ? "Usage: mstore <command> [arguments] [options]; see 'mstore --help'\n"
          : `${commandUsage(command)}\nSee 'mstore ${command.name} --help'.\n`,
      );
      return EXIT_USAGE;
    }
    reportError(error, {
      url: globals?.url ?? "",
      debug: globals?.debug ?? argv.includes("--debug"),
      style: stderrStyle,
      stderr: process.stderr,
    });
    return EXIT_FAILURE;
  }
}

async function runCommand(
  command: Command,
  positionals: string[],
  flags: Flags,
  globals: GlobalFlags,
): Promise<number> {
  let store: MessageStore | undefined;
  const stdout = new LineWriter(process.stdout);
  const context: CommandContext = {
    positionals,
    flags,
    globals,
    stdout,
    stdoutStream: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    style: stylerFor(process.stdout),
    openStore: async () => {
      store ??= await connect(globals.url, {
        ...(await loginOptions(globals.login)),
        ...(globals.prefix === undefined ? {} : { prefix: globals.prefix }),
        ...(globals.timeoutMs === undefined ? {} : { timeoutMs: globals.timeoutMs }),
      });
      return store;
    },
    note: (text) => {
      if (!globals.quiet) process.stderr.write(`${text}\n`);
    },
  };
  try {
    const code = (await command.run(context)) ?? EXIT_OK;
    await stdout.flush();
    return code;
  } catch (error) {
    // What a command printed before it failed is part of its answer (import's {"ok":false}).
    // A flush that fails too must not hide the error that matters.
    await stdout.flush().catch(() => {});
    throw error;
  } finally {
    await store?.close();
  }
}
