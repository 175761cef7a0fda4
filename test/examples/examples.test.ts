/**
 * Every numbered example runs to completion on the memory backend and prints what its
 * comments promise. They run as users run them: a separate `tsx` process that imports the
 * package by name (so through `exports` and `dist/`).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hasNats, natsSkipReason, natsUrl } from "../support/nats.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examplesDir = `${root}examples/`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runExample(file: string, url: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `${examplesDir}${file}`],
      {
        cwd: root,
        // Set explicitly: the developer's shell may point MESSAGE_STORE_URL elsewhere.
        env: { ...process.env, MESSAGE_STORE_URL: url },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Lines each example must print; each is a substring of one line of its output. */
const expectedLines: Record<string, readonly (string | RegExp)[]> = {
  "01-bank-account.ts": [
    "Opened     account-42 at position 0",
    "Deposited  100 at position 1",
    "Withdrawn   30 at position 2",
    "both tellers see balance 70 at version 2",
    "teller A deposits 50 at position 3",
    "teller B conflicts: expected version 2, stream is at 3",
    "teller B retries on version 3: withdraws 60 at position 4",
    "Ada's balance is 60 at version 4",
    "account-42 attempt 1/3: failed, mail server busy",
    "account-42 attempt 2/3: failed, mail server busy",
    "account-42 attempt 3/3: sent to ada@example.com",
    "account-7 attempt 1/3: failed, no email address",
    "account-7 attempt 3/3: failed, no email address",
    "waitFor saw WelcomeEmailSent to ada@example.com in welcomeEmail-42",
    "waitFor saw the dead letter of account-7",
    /dead letter 1: Opened of account-7 at position 0, id [0-9a-f-]{36}/,
    "store closed",
  ],
  "02-stream-names.ts": [
    /streamName\("account", \["123", "456"\]\) +-> "account-123\+456"/,
    /cardinalId\("account-123\+456"\) +-> "123"/,
    /id\("account-2024-01"\) +-> "2024-01"/,
    `"account-1.2": invalid stream name`,
    "category  import-podcast:command",
    "streamId  65a1",
    "version of the { category, id } stream: 0",
  ],
  "03-concurrency.ts": [
    `expectedVersion "exists": ExpectedVersionError (stream cart-1 is at -1)`,
    `expectedVersion "no_stream": written at position 0`,
    `expectedVersion "no_stream": ExpectedVersionError (stream cart-1 is at 0)`,
    "expectedVersion 0: written at position 1",
    "expectedVersion 0: ExpectedVersionError (stream cart-1 is at 1)",
    `expectedVersion "exists": written at position 2`,
    `expectedVersion "any": written at position 3`,
    "version is now 3",
    "first write  -> position 4",
    "same write again -> position 4 (nothing stored)",
    "CheckedOut messages in the stream: 1",
    "two messages written, the last at position 1",
    "a conflicting array write stored none of its messages",
    "order-9 holds 2 messages: OrderPlaced, PaymentRequested",
  ],
  "04-subscriptions-and-dead-letters.ts": [
    "invoice-1 attempt 1: mailed",
    "invoice-2 attempt 1: negative amount, terminate",
    "invoice-3 attempt 1: printer offline",
    "invoice-3 attempt 4: printer offline (last attempt)",
    `invoice-2 InvoiceIssued {"amount":-5}`,
    `invoice-3 InvoiceIssued {"amount":80}`,
  ],
  "05-wait-for.ts": [
    `Deposited {"amount":25} in account-5 at position 0`,
    "fromPosition 0 found Deposited at position 0 at once",
    "TimeoutError after 200 ms",
  ],
  "06-nats.ts": ["This example needs NATS"],
  "07-testing-your-projection.ts": [
    "ok - an unknown sku has nothing on hand",
    "ok - received stock can be reserved",
    "ok - a reservation over the free stock is refused and writes nothing",
    "ok - each test sees only its own messages",
    "all tests passed",
  ],
  "08-ordered-concurrency-and-groups.ts": [
    "account-a handled in order 0,1,2,3",
    "account-b handled in order 0,1,2,3",
    "account-c handled in order 0,1,2,3",
    "peak handlers in flight: at most 3",
    "status events: started, handler-error, stopped",
    "durable names: auditor-0of2, auditor-1of2",
    /account-a: member \d \(hash agrees: true\)/,
    /account-b: member \d \(hash agrees: true\)/,
    /account-c: member \d \(hash agrees: true\)/,
    "pulled account-a: 0#1 0#2 1#1 2#1 3#1",
    "runUntilSignal drained on SIGTERM; running: false",
  ],
  "09-replay-and-redrive.ts": [
    "startAt { time } saw: order-3",
    "revenue consumer lag before: 3",
    "revenue is 60, lag now 0",
    "rebuilt revenue is 60",
    "dead letter: order-3 failed after 3 attempts (cannot format total 30) by mailer",
    "re-drove 1; mailed: order-1, order-2, order-3",
    "order-3 version 0 before, 0 after",
    "dead letters left: 0",
  ],
  "10-typed-messages.ts": [
    /refused, nothing stored: cents: .+/,
    'InvalidMessageError: message: type "Depositted" is not declared for category account',
    "account-1 holds 2 messages",
    "0: opened by Ada",
    "1: deposited 1000 cents",
    "2: deposited 250 cents",
    "reply DepositAccepted, caused by account:command-1/0",
    "dead letter of account:command-1 at position 1",
    /reason invalid: Deposit at account:command-1 position 1 does not match its schema: cents: .+/,
    "account-1/3: deposited 500 cents",
  ],
  "11-entities-and-commands.ts": [
    "deposited 100: balance 100 at version 0",
    "each written once, at positions 1,2,3,4,5,6,7,8,9,10",
    "balance 200 at version 10: no lost update",
    "refused: insufficient funds (200); version still 10",
    "first: wrote 1 event at position 11",
    "again: duplicate true, the same event true",
    "a cold fetch from the snapshot: balance 150 at version 11",
    "get of an account without events: undefined",
    "stores closed",
  ],
  "12-tracing.ts": [
    "6 spans in 1 trace",
    /^POST \/accounts\/42\/deposits \(server\)$/,
    /^ {2}write account:command \(producer\)$/,
    /^ {4}process account:command \(consumer by account-service\)$/,
    /^ {6}write account \(producer\)$/,
    /^ {8}process account \(consumer by notifier\)$/,
    /^ {10}write notification \(producer\)$/,
  ],
};

/** Checks exit code, stderr and the expected lines of one run. */
function expectPrinted(file: string, run: Run, lines: readonly (string | RegExp)[]): void {
  expect(run.stderr, `stderr of ${file}`).toBe("");
  expect(run.code, `exit code of ${file}\n${run.stdout}`).toBe(0);
  const printed = run.stdout.split("\n");
  for (const expected of lines) {
    const found = printed.some((line) =>
      typeof expected === "string" ? line.includes(expected) : expected.test(line),
    );
    expect(found, `${file} printed ${String(expected)}\n--- output ---\n${run.stdout}`).toBe(true);
  }
}

const examples = readdirSync(examplesDir).filter((file) => /^\d\d-.*\.ts$/.test(file));

describe("examples", () => {
  it("has expectations for every numbered example", () => {
    expect(examples.sort()).toEqual(Object.keys(expectedLines).sort());
  });

  it("imports the built package", () => {
    // The global test setup (and `npm ci`) build dist/; without it every run below fails
    // with a resolution error that hides the real cause.
    expect(existsSync(`${root}dist/index.js`)).toBe(true);
  });

  for (const file of examples) {
    it(`${file} runs on memory and prints its key lines`, { timeout: 40_000 }, async () => {
      const run = await runExample(file, "memory:");
      const backendLine = file.startsWith("01-") ? ["demo on the memory backend"] : [];
      expectPrinted(file, run, [...backendLine, ...(expectedLines[file] ?? [])]);
    });
  }
});

describe("README", () => {
  const snippetFile = "test/examples/readme-snippet.ts";

  it(`its example is ${snippetFile}, which npm run typecheck compiles`, () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const snippet = readFileSync(`${root}${snippetFile}`, "utf8");
    expect(readme).toContain(`\`\`\`ts\n${snippet}\`\`\`\n`);
  });

  it("its example runs on memory", { timeout: 40_000 }, async () => {
    const run = await runExample(`../${snippetFile}`, "memory:");
    expectPrinted(snippetFile, run, ["balance 100 at version 0"]);
  });
});

// The same code on NATS, unchanged. 07 is left out: it uses "memory:" whatever the URL says.
describe.skipIf(!hasNats())(`examples on NATS${hasNats() ? "" : ` (${natsSkipReason()})`}`, () => {
  const shared = examples.filter((file) => !file.startsWith("06-") && !file.startsWith("07-"));
  for (const file of shared) {
    it(`${file} runs on NATS and prints its key lines`, { timeout: 40_000 }, async () => {
      const run = await runExample(file, natsUrl());
      const backendLine = file.startsWith("01-") ? ["demo on the nats backend"] : [];
      expectPrinted(file, run, [...backendLine, ...(expectedLines[file] ?? [])]);
    });
  }

  it("06-nats.ts shows the JetStream layout", { timeout: 40_000 }, async () => {
    const run = await runExample("06-nats.ts", natsUrl());
    expectPrinted("06-nats.ts", run, [
      "(nats backend)",
      /JetStream stream example\d+-account, one subject per position/,
      /example\d+\.account\.1\.0 +Opened/,
      /example\d+\.account\.1\.2 +Deposited/,
      "account: 3 messages",
    ]);
  });
});
