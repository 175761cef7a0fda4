// Argument handling, help and exit codes: nothing here needs a server (memory: or none).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const MEMORY = ["--url", "memory:"];
const packageVersion = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

describe("mstore help and version", () => {
  it("lists every command with --help and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const name of [
      "write",
      "read",
      "tail",
      "categories",
      "info",
      "summary",
      "export",
      "import",
      "dev",
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    }
    expect(result.stderr).toBe("");
  });

  it("points to the documentation the package ships, by its path", async () => {
    const cliDocs = fileURLToPath(new URL("../../docs/cli.md", import.meta.url));
    for (const args of [["--help"], ["import", "--help"]]) {
      const { stdout } = await runCli(args);
      const named = /^Documentation \(every command, flag and --json format\): (.+)$/m.exec(stdout);
      expect(named?.[1]).toBe(cliDocs);
    }
    expect(existsSync(cliDocs)).toBe(true);
    const files = (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        files: string[];
      }
    ).files;
    expect(files).toContain("docs");
  });

  it("prints the package's version", async () => {
    const result = await runCli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${packageVersion}\n`, stderr: "" });
  });

  it("shows a command's help with its flags", async () => {
    const result = await runCli(["write", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: mstore write <stream> <type> [data-json]");
    expect(result.stdout).toContain("--expected-version");
    expect(result.stdout).toContain("--url <url>");
  });

  it("exits 2 with the usage when no command is given", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("Commands:");
  });
});

describe("mstore usage errors exit 2 with the command's usage", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["an unknown flag", ["write", "acct-1", "Opened", "--nope"], /Unknown option '--nope'/],
    ["a missing argument", ["write", "acct-1"], /missing argument/],
    ["an extra argument", ["read", "acct-1", "acct-2"], /unexpected argument "acct-2"/],
    ["malformed data JSON", ["write", "acct-1", "Opened", "{bad"], /data-json is not valid JSON/],
    [
      "malformed metadata",
      ["write", "acct-1", "T", "--metadata", "[1"],
      /--metadata is not valid JSON/,
    ],
    [
      "metadata that is not an object",
      ["write", "acct-1", "T", "--metadata", "[1]"],
      /must be a JSON object/,
    ],
    [
      "a bad expected version",
      ["write", "acct-1", "T", "--expected-version", "x"],
      /--expected-version must be an integer/,
    ],
    ["a bad --max", ["read", "acct-1", "--max", "-3"], /--max must be an integer >= 0/],
    [
      "a bad tail start",
      ["tail", "acct", "--from", "middle"],
      /--from must be beginning, end or a global position >= 1, got "middle"/,
    ],
    [
      "a tail start below 1",
      ["tail", "acct", "--from", "0"],
      /--from must be beginning, end or a global position >= 1, got "0"/,
    ],
    ["info on a category", ["info", "acct"], /is a category/],
  ];
  for (const [what, args, message] of cases) {
    it(`for ${what}`, async () => {
      const result = await runCli([...MEMORY, ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^UsageError: /);
      expect(result.stderr).toMatch(message);
      if (args[0] !== "frobnicate") expect(result.stderr).toContain(`Usage: mstore ${args[0]}`);
    });
  }
});

describe("mstore failures exit 1 with one line", () => {
  it("refuses an invalid stream name with the store's error", async () => {
    const result = await runCli([...MEMORY, "write", "acct 1-x", "Opened"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^InvalidStreamNameError: invalid stream name "acct 1-x"/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says how to get a server when none answers, without a stack trace", async () => {
    const url = "nats://127.0.0.1:1";
    const result = await runCli(["--url", url, "--timeout", "500", "read", "acct-1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ConnectionError: no NATS server at ${url} — start one with 'mstore dev', or pass --url\n`,
    );
  });

  it("says that a host name does not resolve, rather than that no server runs there", async () => {
    // .invalid never resolves (RFC 2606); offline, the lookup fails with EAI_AGAIN instead.
    const url = "nats://no-such-host.invalid:4222";
    const result = await runCli(["--url", url, "--timeout", "1000", "read", "acct-1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ConnectionError: cannot resolve the host no-such-host.invalid of ${url} — check the host name in --url or MESSAGE_STORE_URL\n`,
    );
  });

  it("adds the stack trace with --debug", async () => {
    const result = await runCli([...MEMORY, "--debug", "write", "acct 1-x", "Opened"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it("takes the URL from MESSAGE_STORE_URL, and a flag over it", async () => {
    const { cleanEnv } = await import("./run-cli.ts");
    const env = cleanEnv({ MESSAGE_STORE_URL: "memory:" });
    const fromEnv = await runCli(["write", "acct-1", "Opened"], { env });
    expect(fromEnv).toMatchObject({ code: 0, stdout: "position 0, global position 1\n" });
    const url = "nats://127.0.0.1:1";
    const overEnv = await runCli(["--url", url, "--timeout", "300", "read", "acct-1"], { env });
    expect(overEnv.stderr).toContain(`no NATS server at ${url}`);
  });
});

describe("mstore on memory:", () => {
  it("writes and prints the position, or JSON with --json", async () => {
    const plain = await runCli([...MEMORY, "write", "acct-1", "Opened", '{"owner":"ann"}']);
    expect(plain).toMatchObject({ code: 0, stdout: "position 0, global position 1\n", stderr: "" });
    const json = await runCli([...MEMORY, "--json", "write", "acct-1", "Opened"]);
    expect(JSON.parse(json.stdout)).toEqual({ stream: "acct-1", position: 0, globalPosition: 1 });
    const expecting = await runCli([
      ...MEMORY,
      "write",
      "acct-1",
      "Opened",
      "--expected-version",
      "-1",
    ]);
    expect(expecting).toMatchObject({ code: 0, stdout: "position 0, global position 1\n" });
    const quiet = await runCli([...MEMORY, "--quiet", "write", "acct-1", "Opened"]);
    expect(quiet).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});
