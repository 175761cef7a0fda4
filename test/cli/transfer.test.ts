// export and import: the round trip between prefixes, idempotence, bad lines and conflicts.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type MessageStore, type RecordedMessage } from "../../src/index.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { cleanEnv, parseLines, runCli } from "./run-cli.ts";

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** What must survive a round trip: everything but where and when it was stored. */
const kept = (message: RecordedMessage | Record<string, unknown>) => ({
  id: message.id,
  type: message.type,
  data: message.data,
  metadata: message.metadata,
  streamName: message.streamName,
  position: message.position,
});

function line(n: number, stream: string, position: number, extra: object = {}): string {
  return JSON.stringify({
    id: uuid(n),
    type: "Happened",
    data: { n },
    metadata: {},
    streamName: stream,
    position,
    ...extra,
  });
}

describe.skipIf(!hasNats())("mstore export and import", { timeout: 120_000 }, () => {
  const stores: MessageStore[] = [];
  let dir = "";
  const storeFor = async (prefix: string): Promise<MessageStore> => {
    const store = await connect(natsUrl(), { prefix });
    stores.push(store);
    return store;
  };
  const mstore = (prefix: string, ...args: string[]) =>
    runCli(args, { env: cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix }) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mstore-cli-"));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it("round-trips a category into another prefix, and a second import stores nothing", async () => {
    const source = uniquePrefix("cli_src");
    const target = uniquePrefix("cli_dst");
    const sourceStore = await storeFor(source);
    for (let n = 0; n < 40; n++) {
      await sourceStore.write(`acct-${n % 5}`, {
        type: n % 2 === 0 ? "Deposited" : "Withdrawn",
        data: n % 7 === 0 ? `text ${n}` : { amount: n, nested: [n, { deep: true }] },
        ...(n % 3 === 0 ? { metadata: { correlationId: `c-${n}`, extra: { keep: n } } } : {}),
      });
    }
    const file = join(dir, "acct.ndjson");
    const exported = await mstore(source, "export", "acct", "--out", file);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe("");
    expect(exported.stderr).toMatch(/^exported 40 messages in [\d.]+s \(\d+\/s\)\n$/);
    const originalMessages: RecordedMessage[] = [];
    for await (const message of sourceStore.readCategory("acct")) originalMessages.push(message);
    expect(parseLines(await readFile(file, "utf8")).map(kept)).toEqual(originalMessages.map(kept));

    const first = await mstore(target, "import", file);
    expect(first).toMatchObject({ code: 0, stdout: "" });
    expect(first.stderr).toMatch(/^imported 40 messages in .*: 40 written, 0 already stored\n$/);
    const second = await mstore(target, "--json", "import", file);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      messages: 40,
      written: 0,
      alreadyStored: 40,
      ok: true,
    });

    const targetStore = await storeFor(target);
    for (let stream = 0; stream < 5; stream++) {
      const name = `acct-${stream}`;
      const copied = (await targetStore.get(name)).map(kept);
      expect(copied).toEqual((await sourceStore.get(name)).map(kept));
    }
    const all: RecordedMessage[] = [];
    for await (const message of targetStore.readCategory("acct")) all.push(message);
    expect(all).toHaveLength(40);
  });

  it("exports one stream to stdout and imports from stdin", async () => {
    const source = uniquePrefix("cli_one");
    const target = uniquePrefix("cli_one_dst");
    const sourceStore = await storeFor(source);
    await sourceStore.write("acct-1", [{ type: "Opened" }, { type: "Closed", data: null }]);
    await sourceStore.write("acct-2", { type: "Opened" });
    const exported = await mstore(source, "--quiet", "export", "acct-1");
    expect(exported).toMatchObject({ code: 0, stderr: "" });
    expect(parseLines(exported.stdout).map((m) => m.type)).toEqual(["Opened", "Closed"]);
    const imported = await runCli(["import", "-"], {
      env: cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: target }),
      input: exported.stdout,
    });
    expect(imported.code).toBe(0);
    expect((await (await storeFor(target)).get("acct-1")).map(kept)).toEqual(
      (await sourceStore.get("acct-1")).map(kept),
    );
  });

  // /dev/full accepts the open and refuses every write with ENOSPC, as a full disk does.
  it.skipIf(!existsSync("/dev/full"))("reports a full disk in one line", async () => {
    const source = uniquePrefix("cli_full");
    await (await storeFor(source)).write("acct-1", { type: "Opened" });
    const result = await mstore(source, "export", "acct", "--out", "/dev/full");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("FileError: cannot write /dev/full: no space left on the device\n");
  });

  it("stops at a bad line, keeps what was written, and a re-run after the fix writes each once", async () => {
    const target = uniquePrefix("cli_badline");
    const good = [line(1, "acct-1", 0), line(2, "acct-2", 0), line(3, "acct-1", 1)];
    const after = line(5, "acct-3", 0);
    const file = join(dir, "bad.ndjson");
    await writeFile(file, [...good, '{"id": "broken', after, ""].join("\n"));
    const failed = await mstore(target, "import", file);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^imported 3 messages/);
    expect(failed.stderr).toMatch(
      /\nImportError: line 4: not valid JSON .* — fix line 4 and import again/,
    );
    const store = await storeFor(target);
    expect((await store.get("acct-1")).map((m) => m.id)).toEqual([uuid(1), uuid(3)]);
    expect(await store.get("acct-3")).toEqual([]);

    await writeFile(file, [...good, line(4, "acct-2", 1), after, ""].join("\n"));
    expect((await mstore(target, "import", file)).code).toBe(0);
    expect((await store.get("acct-1")).map((m) => m.id)).toEqual([uuid(1), uuid(3)]);
    expect((await store.get("acct-2")).map((m) => m.id)).toEqual([uuid(2), uuid(4)]);
    expect((await store.get("acct-3")).map((m) => m.id)).toEqual([uuid(5)]);
  });

  it("refuses lines that are not messages, naming the line", async () => {
    const target = uniquePrefix("cli_shape");
    const cases: Array<[string, RegExp]> = [
      [
        JSON.stringify({ type: "T", streamName: "acct-1", position: 0 }),
        /ImportError: line 1: id must be a UUID/,
      ],
      [line(1, "acct 1-x", 0), /InvalidStreamNameError: line 1: invalid stream name/],
      [line(1, "acct-1", 0, { type: "" }), /ImportError: line 1: type must be a non-empty string/],
      [line(1, "acct-1", 0, { position: "0" }), /ImportError: line 1: position must be an integer/],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, "shape.ndjson");
      await writeFile(file, `${text}\n${line(9, "acct-9", 0)}\n`);
      const result = await mstore(target, "import", file);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(await (await storeFor(target)).get("acct-9")).toEqual([]);
  });

  it("reports a position that holds a different message, and overwrites nothing", async () => {
    const target = uniquePrefix("cli_conflict");
    const store = await storeFor(target);
    await store.write("acct-1", { id: uuid(100), type: "Other" });
    const file = join(dir, "conflict.ndjson");
    await writeFile(file, `${line(1, "acct-1", 0)}\n`);
    const result = await mstore(target, "import", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /ExpectedVersionError: line 1: position 0 of acct-1 already holds a different message/,
    );
    expect((await store.get("acct-1")).map((m) => m.id)).toEqual([uuid(100)]);
  });

  it("refuses to open a gap when the file misses a stream's earlier messages", async () => {
    const target = uniquePrefix("cli_gap");
    const file = join(dir, "gap.ndjson");
    await writeFile(file, `${line(2, "acct-1", 1)}\n`);
    const result = await mstore(target, "import", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /ExpectedVersionError: line 1: acct-1 is at version -1, so position 1 cannot be written yet/,
    );
    expect(await (await storeFor(target)).get("acct-1")).toEqual([]);
  });
});
