// `mstore consumers` and `mstore dlq`, through the built binary, against state made with the library.
import { describe, expect, it } from "vitest";
import { connect } from "../../src/index.ts";
import { eventually } from "../../src/testing/helpers.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { cleanEnv, finished, parseLines, runCli, startCli, waitForLine } from "./run-cli.ts";

describe.skipIf(!hasNats())("mstore consumers and dlq on NATS", { timeout: 120_000 }, () => {
  const on = (prefix: string) => {
    const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
    return (...args: string[]) => runCli(args, { env });
  };

  it("lists consumers with their lag as a table and as NDJSON", async () => {
    const prefix = uniquePrefix("cli_consumers");
    const store = await connect(natsUrl(), { prefix });
    try {
      await store.write("acct-1", [{ type: "Opened" }, { type: "Deposited", data: 5 }]);
      await store.write("acct-2", { type: "Opened" });
      await store.resetConsumer("acct", "balances", "beginning");
    } finally {
      await store.close();
    }
    const mstore = on(prefix);
    const table = await mstore("consumers");
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(
      /^CATEGORY\s+CONSUMER\s+PENDING\s+IN FLIGHT\s+REDELIVERED\s+HANDLED TO\s+LAG$/,
    );
    expect(rows[1]).toMatch(/^acct\s+balances\s+3\s+0\s+0\s+0\s+3$/);
    expect(rows).toHaveLength(2);

    const json = parseLines((await mstore("--json", "consumers", "acct")).stdout);
    expect(json).toEqual([
      {
        category: "acct",
        consumer: "balances",
        stream: null,
        pending: 3,
        inFlight: 0,
        redelivered: 0,
        lastHandledGlobalPosition: 0,
        lag: 3,
      },
    ]);
    expect(parseLines((await mstore("--json", "consumers", "other")).stdout)).toEqual([]);
  });

  it("leaves out the temporary consumer of a running tail", async () => {
    const prefix = uniquePrefix("cli_consumers_tail");
    const store = await connect(natsUrl(), { prefix });
    try {
      await store.write("acct-1", { type: "Opened" });
      await store.resetConsumer("acct", "balances", "beginning");
    } finally {
      await store.close();
    }
    const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
    const tail = startCli(["--json", "tail", "acct", "--from", "beginning"], env);
    const tailDone = finished(tail);
    try {
      await waitForLine(tail, (line) => line.includes('"Opened"'));
      const listed = parseLines((await on(prefix)("--json", "consumers")).stdout);
      expect(listed.map((info) => info.consumer)).toEqual(["balances"]);
    } finally {
      tail.kill("SIGINT");
      await tailDone;
    }
  });

  it("lists, re-drives and discards dead letters", async () => {
    const prefix = uniquePrefix("cli_dlq");
    const store = await connect(natsUrl(), { prefix });
    const handled: unknown[] = [];
    let broken = true;
    const subscription = store.subscribe("job", {
      consumer: "worker",
      maxAttempts: 2,
      retryDelay: 0,
      deadLetter: "dlq",
      handlers: {
        Job: (message) => {
          if (broken) throw new Error(`job ${String(message.data)} failed`);
          handled.push(message.data);
        },
      },
    });
    try {
      await subscription.start();
      await store.write("job-1", { type: "Job", data: 1 });
      await store.write("job-2", { type: "Job", data: 2 });
      await eventually("2 dead letters", async () => (await store.deadLetters("dlq")).length === 2);
      const mstore = on(prefix);

      const table = await mstore("dlq", "list", "dlq");
      expect(table.code).toBe(0);
      const rows = table.stdout.trimEnd().split("\n");
      expect(rows[0]).toMatch(
        /^POSITION\s+TIME\s+CONSUMER\s+STREAM\s+TYPE\s+REASON\s+ATTEMPTS\s+ERROR$/,
      );
      expect(rows[1]).toMatch(
        /^\s*\d+\s+\S+\s+worker\s+job-1\/0\s+Job\s+failed\s+2\s+job 1 failed$/,
      );
      expect(rows).toHaveLength(3);

      const listed = parseLines((await mstore("--json", "dlq", "list", "dlq")).stdout) as {
        deadLetterPosition: number;
        message: { data: unknown };
      }[];
      expect(listed.map((record) => record.message.data)).toEqual([1, 2]);
      const [first, second] = listed;

      const discarded = await mstore(
        "dlq",
        "discard",
        "dlq",
        "--position",
        String(first?.deadLetterPosition),
      );
      expect(discarded).toMatchObject({
        code: 0,
        stdout: `discarded ${first?.deadLetterPosition}\n`,
      });
      const again = await mstore(
        "dlq",
        "discard",
        "dlq",
        "--position",
        String(first?.deadLetterPosition),
      );
      expect(again.code).toBe(1);
      const missing = await mstore("dlq", "discard", "dlq");
      expect(missing.code).toBe(2);

      broken = false;
      const redriven = await mstore("dlq", "redrive", "dlq", "--consumer", "worker");
      expect(redriven).toMatchObject({ code: 0, stdout: "re-drove 1 dead letter(s)\n" });
      await eventually("the re-driven job handled", () => handled.length === 1);
      expect(handled).toEqual([2]);
      expect(second?.message.data).toBe(2);
      expect((await mstore("--json", "dlq", "list", "dlq")).stdout).toBe("");
      expect(await store.version("job-2")).toBe(0);
    } finally {
      await subscription.stop();
      await store.close();
    }
  });
});
