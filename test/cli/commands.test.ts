// Every command against the shared nats-server, through the built binary.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { cleanEnv, finished, MAIN, parseLines, runCli, startCli, waitForLine } from "./run-cli.ts";

describe.skipIf(!hasNats())("mstore on NATS", { timeout: 120_000 }, () => {
  const on = (prefix: string) => {
    const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
    return (...args: string[]) => runCli(args, { env });
  };

  it("writes and reads a stream as a table and as NDJSON", async () => {
    const mstore = on(uniquePrefix("cli_read"));
    expect(await mstore("write", "acct-1", "Opened", '{"owner":"ann"}')).toMatchObject({
      code: 0,
      stdout: "position 0, global position 1\n",
      stderr: "",
    });
    const deposit = await mstore(
      "--json",
      "write",
      "acct-1",
      "Deposited",
      "5",
      "--metadata",
      '{"by":"bob"}',
    );
    expect(JSON.parse(deposit.stdout)).toEqual({
      stream: "acct-1",
      position: 1,
      globalPosition: 2,
    });

    const table = await mstore("read", "acct-1");
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^POSITION\s+GLOBAL\s+TIME\s+STREAM\s+TYPE\s+DATA$/);
    expect(rows[1]).toMatch(
      /^\s+0\s+1\s+\d{4}-\d\d-\d\dT\S+Z\s+acct-1\s+Opened\s+\{"owner":"ann"\}$/,
    );
    expect(rows[2]).toMatch(/^\s+1\s+2\s+\S+\s+acct-1\s+Deposited\s+5$/);

    const json = parseLines((await mstore("--json", "read", "acct-1")).stdout);
    expect(json).toHaveLength(2);
    expect(Object.keys(json[1] ?? {})).toEqual([
      "id",
      "type",
      "data",
      "metadata",
      "streamName",
      "category",
      "streamId",
      "position",
      "globalPosition",
      "time",
    ]);
    expect(json[1]).toMatchObject({
      type: "Deposited",
      data: 5,
      metadata: { by: "bob" },
      streamName: "acct-1",
      category: "acct",
      streamId: "1",
      position: 1,
      globalPosition: 2,
    });
  });

  it("cuts the data column to COLUMNS", async () => {
    const prefix = uniquePrefix("cli_width");
    const mstore = on(prefix);
    await mstore("write", "acct-1", "Opened", JSON.stringify({ text: "x".repeat(500) }));
    const env = cleanEnv({
      MESSAGE_STORE_URL: natsUrl(),
      MESSAGE_STORE_PREFIX: prefix,
      COLUMNS: "80",
    });
    const result = await runCli(["read", "acct-1"], { env });
    const row = result.stdout.split("\n")[1] ?? "";
    expect(row).toHaveLength(80);
    expect(row.endsWith("…")).toBe(true);
  });

  it("reads a category by global position, with --from, --max and --type", async () => {
    const mstore = on(uniquePrefix("cli_cat"));
    for (const [stream, type] of [
      ["acct-1", "Opened"],
      ["acct-2", "Opened"],
      ["acct-1", "Deposited"],
      ["acct-2", "Closed"],
    ]) {
      expect((await mstore("write", stream as string, type as string)).code).toBe(0);
    }
    const read = async (...args: string[]) =>
      parseLines((await mstore("--json", "read", ...args)).stdout);
    expect((await read("acct")).map((m) => m.globalPosition)).toEqual([1, 2, 3, 4]);
    expect((await read("acct", "--from", "3")).map((m) => m.globalPosition)).toEqual([3, 4]);
    expect((await read("acct", "--max", "2")).map((m) => m.globalPosition)).toEqual([1, 2]);
    expect((await read("acct", "--type", "Opened")).map((m) => m.streamName)).toEqual([
      "acct-1",
      "acct-2",
    ]);
    expect((await read("acct", "--type", "Opened", "--max", "1")).map((m) => m.streamName)).toEqual(
      ["acct-1"],
    );
    expect((await read("acct-1", "--from", "1")).map((m) => m.type)).toEqual(["Deposited"]);
    expect(await read("acct-9")).toEqual([]);
  });

  it("lists categories, and summarises streams and categories", async () => {
    const mstore = on(uniquePrefix("cli_info"));
    await mstore("write", "acct-1", "Opened");
    await mstore("write", "acct-1", "Deposited", '{"amount":5}');
    await mstore("write", "acct-1", "Deposited", '{"amount":7}');
    await mstore("write", "acct-2", "Opened");
    await mstore("write", "user-1", "Registered");

    const categories = parseLines((await mstore("--json", "categories")).stdout);
    expect(categories.map((entry) => [entry.category, entry.messages])).toEqual([
      ["acct", 4],
      ["user", 1],
    ]);
    expect(categories[0]).toMatchObject({
      bytes: expect.any(Number),
      firstTime: expect.any(String),
    });
    const table = await mstore("categories");
    expect(table.stdout).toMatch(/^CATEGORY\s+MESSAGES\s+BYTES\s+FIRST\s+LAST\n/);
    expect(table.stdout).toMatch(/\nacct\s+4\s+\d+\s+\S+Z\s+\S+Z\n/);

    const info = JSON.parse((await mstore("--json", "info", "acct-1")).stdout);
    expect(info).toEqual({
      stream: "acct-1",
      version: 2,
      messages: 3,
      lastTime: expect.any(String),
      types: { Opened: 1, Deposited: 2 },
    });
    const infoText = (await mstore("info", "acct-1")).stdout;
    expect(infoText).toMatch(/^version\s+2$/m);
    expect(infoText).toMatch(/^ {2}Deposited\s+2$/m);

    const summary = JSON.parse((await mstore("--json", "summary", "acct")).stdout);
    expect(summary).toMatchObject({
      category: "acct",
      messages: 4,
      streams: 2,
      types: { Opened: 2, Deposited: 2 },
    });
    expect((await mstore("summary", "acct")).stdout).toMatch(/^ {2}Opened\s+2$/m);
  });

  it("refuses a stale expected version with the store's error and writes nothing", async () => {
    const mstore = on(uniquePrefix("cli_ev"));
    await mstore("write", "acct-1", "Opened", "--expected-version", "-1");
    const stale = await mstore("write", "acct-1", "Opened", "--expected-version", "-1");
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe("");
    expect(stale.stderr).toMatch(/^ExpectedVersionError: .*acct-1.* — read the stream/);
    expect(parseLines((await mstore("--json", "read", "acct-1")).stdout)).toHaveLength(1);
  });

  it("stores a retried write with the same --id once", async () => {
    const mstore = on(uniquePrefix("cli_id"));
    const id = "7c0a3a6e-3c38-4d51-9d0a-4b7a4b1f2e11";
    const first = await mstore("write", "acct-1", "Opened", "--id", id, "--expected-version", "-1");
    const again = await mstore("write", "acct-1", "Opened", "--id", id, "--expected-version", "-1");
    expect(again).toMatchObject({ code: 0, stdout: first.stdout });
    expect(parseLines((await mstore("--json", "read", "acct-1")).stdout).map((m) => m.id)).toEqual([
      id,
    ]);
  });

  it("writes nothing for an invalid stream name", async () => {
    const mstore = on(uniquePrefix("cli_bad"));
    const result = await mstore("write", "acct.x-1", "Opened");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^InvalidStreamNameError: /);
    expect((await mstore("--json", "categories")).stdout).toBe("");
  });

  it("exits 0 quietly when stdout closes early (read | head)", async () => {
    const prefix = uniquePrefix("cli_pipe");
    const lines = Array.from({ length: 3000 }, (_, n) =>
      JSON.stringify({
        id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
        type: "Filled",
        data: { n, pad: "p".repeat(200) },
        metadata: {},
        streamName: `fill-${n % 10}`,
        position: Math.floor(n / 10),
      }),
    );
    expect(
      (
        await runCli(["import", "-"], {
          env: cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix }),
          input: `${lines.join("\n")}\n`,
        })
      ).code,
    ).toBe(0);
    const script = `node ${JSON.stringify(MAIN)} --json read fill | head -n 1; echo "status \${PIPESTATUS[0]}" >&2`;
    const child = spawn("bash", ["-c", script], {
      env: cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix }),
    });
    const result = await finished(child);
    expect(parseLines(result.stdout)).toHaveLength(1);
    expect(result.stderr).toBe("status 0\n");
  });

  it("tails live messages and exits 0 on Ctrl-C", async () => {
    const prefix = uniquePrefix("cli_tail");
    const mstore = on(prefix);
    await mstore("write", "acct-1", "Old");
    const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });

    const live = startCli(["--json", "tail", "acct"], env);
    const liveDone = finished(live);
    const fromStart = startCli(["--json", "tail", "acct", "--from", "beginning"], env);
    const fromStartDone = finished(fromStart);
    await waitForLine(fromStart, (line) => line.includes('"Old"'));
    // A live tail starts after the category's last message once it has connected, and says
    // nothing until then: write until it shows one of the new messages.
    let shown = false;
    const seen = waitForLine(live, (line) => line.includes('"New"')).then(() => {
      shown = true;
    });
    let written = 0;
    while (!shown && written < 30) {
      await mstore("write", "acct-2", "New", JSON.stringify({ n: written }));
      written++;
      await Promise.race([seen, sleep(300)]);
    }
    await seen;
    await waitForLine(fromStart, (line) => line.includes(`"data":{"n":${written - 1}}`));
    live.kill("SIGINT");
    fromStart.kill("SIGINT");
    const liveResult = await liveDone;
    const fromStartResult = await fromStartDone;
    expect(liveResult).toMatchObject({ code: 0, stderr: "" });
    const liveTypes = parseLines(liveResult.stdout).map((m) => m.type);
    expect(liveTypes.length).toBeGreaterThan(0);
    expect(new Set(liveTypes)).toEqual(new Set(["New"]));
    expect(fromStartResult).toMatchObject({ code: 0, stderr: "" });
    const all = parseLines(fromStartResult.stdout);
    expect(all.map((m) => m.type)).toEqual(["Old", ...Array(written).fill("New")]);
    expect(all.map((m) => m.globalPosition)).toEqual(all.map((_, index) => index + 1));
  });
  it("keeps tail's columns under their header when later rows are wider", async () => {
    const prefix = uniquePrefix("cli_tail_cols");
    const mstore = on(prefix);
    await mstore("write", "acct-1", "A");
    await mstore("write", "acct-1234567", "LongerTypeName", '{"x":1}');
    await mstore("write", "acct-2", "B");
    const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
    const tail = startCli(["tail", "acct", "--from", "beginning"], env);
    const done = finished(tail);
    await waitForLine(tail, (line) => line.includes("acct-2"));
    tail.kill("SIGINT");
    const lines = (await done).stdout.trimEnd().split("\n");
    let header = "";
    for (const line of lines) {
      if (line.startsWith("POSITION")) {
        header = line;
        continue;
      }
      // Each row's type and data start where the header above names them.
      const [, , , , type = ""] = line.trim().split(/\s+/);
      expect(line.indexOf(` ${type} `) + 1).toBe(header.indexOf("TYPE"));
      expect(line.lastIndexOf("{")).toBe(header.indexOf("DATA"));
    }
    expect(lines.filter((line) => !line.startsWith("POSITION"))).toHaveLength(3);
  });

  it("lists types in one order in info and summary, as text and as JSON", async () => {
    const mstore = on(uniquePrefix("cli_types"));
    for (const type of ["Zeta", "Alpha", "Alpha", "Mid", "Zeta"])
      await mstore("write", "acct-1", type);
    await mstore("write", "acct-2", "Beta");
    const typesOf = (text: string): string[] =>
      text
        .split("\n")
        .filter((line) => line.startsWith("  "))
        .map((line) => line.trim().split(/\s+/)[0] ?? "");
    // Most frequent first, ties by name.
    const info = JSON.parse((await mstore("--json", "info", "acct-1")).stdout);
    expect(Object.keys(info.types)).toEqual(["Alpha", "Zeta", "Mid"]);
    expect(typesOf((await mstore("info", "acct-1")).stdout)).toEqual(["Alpha", "Zeta", "Mid"]);
    const summary = JSON.parse((await mstore("--json", "summary", "acct")).stdout);
    expect(Object.keys(summary.types)).toEqual(["Alpha", "Zeta", "Beta", "Mid"]);
    expect(typesOf((await mstore("summary", "acct")).stdout)).toEqual([
      "Alpha",
      "Zeta",
      "Beta",
      "Mid",
    ]);
  });
});
