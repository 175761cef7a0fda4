/**
 * The command table. A new command is one file in this folder and one line here; help, the
 * parser and the exit codes pick it up from the table.
 */
import type { Command } from "../command.ts";
import { categoriesCommand } from "./categories.ts";
import { consumersCommand } from "./consumers.ts";
import { devCommand } from "./dev.ts";
import { dlqCommand } from "./dlq.ts";
import { doctorCommand } from "./doctor.ts";
import { exportCommand } from "./export.ts";
import { importCommand } from "./import.ts";
import { infoCommand } from "./info.ts";
import { readCommand } from "./read.ts";
import { summaryCommand } from "./summary.ts";
import { tailCommand } from "./tail.ts";
import { writeCommand } from "./write.ts";

export const COMMANDS: readonly Command[] = [
  writeCommand,
  readCommand,
  tailCommand,
  categoriesCommand,
  infoCommand,
  summaryCommand,
  exportCommand,
  importCommand,
  consumersCommand,
  dlqCommand,
  doctorCommand,
  devCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
