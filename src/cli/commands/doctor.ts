/** `mstore doctor`: whether the store's data is safe, one line per check (docs/reliability.md). */
import { type Finding, hasWarnings } from "../../index.ts";
import type { Command } from "../command.ts";
import { StreamingTable, terminalWidth } from "../records.ts";

/** The exit code when a check warns: distinct from a failure to check (1) and usage (2). */
export const EXIT_WARNINGS = 3;

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check durability: server, sync setting, replicas, position guard, consumers",
  synopsis: "[options]",
  description: [
    "Reports the server version, JetStream's sync setting, each category's replicas against the",
    "cluster size and its position guard, and each consumer's health, with a warning where",
    `acknowledged data is at risk. Exits 0 without warnings, ${EXIT_WARNINGS} with some.`,
    "With --json, one finding per line: {check, subject, status, detail}.",
  ].join("\n"),
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const store = await context.openStore();
    const diagnosis = await store.diagnose();
    if (context.globals.json) {
      for (const finding of diagnosis.findings) await context.stdout.line(JSON.stringify(finding));
    } else {
      await printTable(context.stdout.line.bind(context.stdout), diagnosis.findings, context);
      const warnings = diagnosis.findings.filter((finding) => finding.status === "warning");
      context.note(
        warnings.length === 0
          ? "no warnings"
          : `${warnings.length} warning(s): see docs/reliability.md for what to change`,
      );
    }
    return hasWarnings(diagnosis) ? EXIT_WARNINGS : undefined;
  },
};

async function printTable(
  emit: (line: string) => Promise<void>,
  findings: readonly Finding[],
  context: Parameters<Command["run"]>[0],
): Promise<void> {
  const table = new StreamingTable({
    columns: [{ title: "CHECK" }, { title: "SUBJECT" }, { title: "STATUS" }, { title: "DETAIL" }],
    width: terminalWidth(context.stdoutStream),
    emit,
    header: (text) => context.style("bold", text),
    sample: Number.POSITIVE_INFINITY,
  });
  for (const finding of findings) {
    await table.row([finding.check, finding.subject, finding.status, finding.detail]);
  }
  await table.end();
}
