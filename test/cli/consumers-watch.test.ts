// `mstore consumers --watch`, through the built binary: frames until Ctrl-C or a closed pipe.
import { describe, expect, it } from "vitest";
import { frameLines, terminalFrame } from "../../src/cli/consumer-watch.ts";
import { connect } from "../../src/index.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { cleanEnv, finished, parseLines, runCli, startCli, waitForLine } from "./run-cli.ts";

const info = {
  consumer: "worker",
  category: "job",
  stream: undefined,
  pending: 2,
  inFlight: 1,
  redelivered: 0,
  lastHandledGlobalPosition: 4,
  lag: 3,
};

describe("consumers --watch frames", () => {
  it("lines up a frame and redraws it in place, clearing each line's end and what is below", () => {
    const lines = frameLines([{ info, rate: 12.34, deadLetters: 1 }], new Date(0), undefined);
    expect(lines[0]).toBe("consumers at 1970-01-01T00:00:00.000Z (Ctrl-C to stop)");
    expect(lines[1]).toMatch(/^CATEGORY\s+CONSUMER\s+LAG\s+IN FLIGHT\s+RATE\/S\s+DEAD$/);
    expect(lines[2]).toMatch(/^job\s+worker\s+3\s+1\s+12\.3\s+1$/);
    const frame = terminalFrame(["a", "b"]);
    expect(frame).toBe("\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[J");
    expect(frame).not.toContain("\x1b[2J");
  });

  it("refuses --interval without --watch", async () => {
    const result = await runCli(["consumers", "--interval", "100"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--interval and --dlq go with --watch/);
  });
});

describe.skipIf(!hasNats())("mstore consumers --watch on NATS", { timeout: 60_000 }, () => {
  async function prepare(): Promise<NodeJS.ProcessEnv> {
    const prefix = uniquePrefix("cli_watch");
    const store = await connect(natsUrl(), { prefix });
    try {
      await store.write("job-1", [{ type: "Run" }, { type: "Run" }]);
      const subscription = store.subscribe("job", {
        consumer: "worker",
        maxAttempts: 1,
        deadLetter: "dlq",
        handlers: {
          Run: (message) => {
            if (message.position === 0) throw new Error("broken");
          },
        },
      });
      await subscription.start();
      await store.waitFor("dlq", () => true, { fromGlobalPosition: 1 });
      await subscription.stop();
      await store.write("job-2", { type: "Run" });
    } finally {
      await store.close();
    }
    return cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
  }

  it("prints a frame per interval and stops cleanly on Ctrl-C", async () => {
    const env = await prepare();
    const child = startCli(
      ["--json", "consumers", "job", "--watch", "--interval", "100", "--dlq", "dlq"],
      env,
    );
    const result = finished(child);
    await waitForLine(child, (line) => line.includes('"ratePerSecond":0'));
    child.kill("SIGINT");
    const { code, signal, stdout, stderr } = await result;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    const frames = parseLines(stdout);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toMatchObject({
      category: "job",
      consumer: "worker",
      lag: 1,
      ratePerSecond: null,
      deadLetters: 1,
    });
    expect(frames[1]).toMatchObject({ lag: 1, ratePerSecond: 0, deadLetters: 1 });
  });

  it("stops quietly when its reader closes the pipe", async () => {
    const env = await prepare();
    const child = startCli(["consumers", "job", "--watch", "--interval", "100"], env);
    const result = finished(child);
    await waitForLine(child, (line) => /^job\s+worker\s+1\s+0\s+-\s+-$/.test(line));
    child.stdout?.destroy();
    const { code, signal } = await result;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
