// Files an import or export names: what a user sees when one cannot be read or written, and
// that output printed before a failure still reaches stdout.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const MEMORY = ["--url", "memory:"];
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const line = (n: number): string =>
  JSON.stringify({ id: uuid(n), type: "Happened", data: { n }, streamName: "acct-1", position: n });

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mstore-files-"));
});

describe("mstore import and export with files", () => {
  it("prints import's JSON result with ok:false when a line is bad", async () => {
    const file = join(dir, "bad.ndjson");
    await writeFile(file, [line(0), line(1), line(2), "{not json", line(4), ""].join("\n"));
    const result = await runCli([...MEMORY, "--json", "import", file]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      messages: 3,
      written: 3,
      alreadyStored: 0,
      seconds: expect.any(Number),
      ok: false,
    });
    expect(result.stderr).toMatch(/ImportError: line 4: not valid JSON/);
  });

  it("says in one line that an import file does not exist", async () => {
    const missing = join(dir, "missing.ndjson");
    const result = await runCli([...MEMORY, "import", missing]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(`FileError: cannot read ${missing}: no such file\n`);
  });

  it("refuses a directory as an import file", async () => {
    const result = await runCli([...MEMORY, "import", dir]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(`FileError: cannot read ${dir}: it is a directory\n`);
  });

  it("says in one line that an export's directory does not exist", async () => {
    const out = join(dir, "no-such-dir", "x.ndjson");
    const result = await runCli([...MEMORY, "export", "acct", "--out", out]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(
      `FileError: cannot write ${out}: the directory ${join(dir, "no-such-dir")} does not exist\n`,
    );
  });
});
