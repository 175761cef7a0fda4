/** A logger for tests that keeps every entry: its level, its message and its fields. */
import type { Logger } from "../../src/index.ts";

export interface LogEntry {
  readonly level: string;
  readonly message: string | undefined;
  readonly fields: unknown;
}

export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (fields: unknown, message?: string): void => {
      entries.push({ level, message, fields });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
