/**
 * `mstore doctor` spawned as a user runs it: findings per check, the exit code saying
 * whether anything warns, and the sync setting read when the account may ask for it.
 */
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { startNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";
import { parseLines, runCli } from "./run-cli.ts";

const EXIT_WARNINGS = 3;

/** A server (store directory from the harness's flags) whose app account may read the server's settings ($SYS varz, imported). */
const settingsConfig = (jetstream: string): string => `
jetstream { ${jetstream} }
accounts {
  SYS { users: [ { user: sys, password: sys-secret } ], exports: [ { service: "$SYS.REQ.SERVER.PING.VARZ" } ] }
  APP {
    jetstream: enabled
    users: [ { user: app, password: app-secret } ]
    imports: [ { service: { account: SYS, subject: "$SYS.REQ.SERVER.PING.VARZ" } } ]
  }
}
system_account: SYS
`;

function byCheck(findings: Record<string, unknown>[], check: string): Record<string, unknown>[] {
  return findings.filter((finding) => finding.check === check);
}

describe("mstore doctor on memory", () => {
  it("warns that nothing is durable, with exit 3", async () => {
    const result = await runCli(["--url", "memory:", "--json", "doctor"]);
    expect(result.code).toBe(EXIT_WARNINGS);
    expect(parseLines(result.stdout)).toEqual([
      expect.objectContaining({ check: "backend", status: "warning" }),
    ]);
  });
});

describe.skipIf(!hasNats())(`mstore doctor on NATS ${natsSkipReason()}`, () => {
  it("reports a single server with R1 categories as at risk, and a sync setting it cannot read", async () => {
    const prefix = uniquePrefix("doctor");
    const common = ["--url", natsUrl(), "--prefix", prefix];
    expect((await runCli([...common, "write", "acct-1", "Opened"])).code).toBe(0);
    const result = await runCli([...common, "--json", "doctor"]);
    expect(result.code).toBe(EXIT_WARNINGS);
    const findings = parseLines(result.stdout);
    expect(byCheck(findings, "server")).toEqual([
      expect.objectContaining({ status: "ok", detail: expect.stringMatching(/^nats-server 2\./) }),
    ]);
    expect(byCheck(findings, "cluster")[0]).toMatchObject({ status: "warning" });
    expect(byCheck(findings, "sync")[0]).toMatchObject({ status: "unknown" });
    expect(byCheck(findings, "category")).toEqual([
      expect.objectContaining({
        subject: "acct",
        status: "warning",
        detail: expect.stringMatching(/position guard on.*replicas 1 \(a lost server/),
      }),
    ]);
  });

  it("counts the entities of a position-layout category that hold another writer's message on their own subject", async () => {
    const prefix = uniquePrefix("doctor");
    const common = ["--url", natsUrl(), "--prefix", prefix];
    expect((await runCli([...common, "write", "acct-1", "Opened"])).code).toBe(0);
    expect((await runCli([...common, "write", "acct-2", "Opened"])).code).toBe(0);
    const clean = byCheck(
      parseLines((await runCli([...common, "--json", "doctor"])).stdout),
      "category",
    );
    expect(clean[0]?.detail).not.toMatch(/another writer/);
    // As a Zencastr service or `nats pub` would write it: on the entity's own subject.
    const raw = await connect({ servers: natsUrl() });
    try {
      await raw.request(`${prefix}.acct.2`, JSON.stringify({ type: "Theirs" }));
    } finally {
      await raw.close();
    }
    const result = await runCli([...common, "--json", "doctor"]);
    expect(result.code).toBe(EXIT_WARNINGS);
    expect(byCheck(parseLines(result.stdout), "category")).toEqual([
      expect.objectContaining({
        subject: "acct",
        status: "warning",
        detail: expect.stringMatching(
          /1 entities hold another writer's message on their own subject/,
        ),
      }),
    ]);
  });

  it("prints a table for people and names the warnings on stderr", async () => {
    const result = await runCli(["--url", natsUrl(), "--prefix", uniquePrefix("doctor"), "doctor"]);
    expect(result.code).toBe(EXIT_WARNINGS);
    expect(result.stdout).toMatch(/^CHECK\s+SUBJECT\s+STATUS\s+DETAIL/);
    expect(result.stderr).toMatch(/warning\(s\): see docs\/reliability.md/);
  });

  describe("a server that lets the account read its settings", () => {
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startNatsServer({
        binary: inject("natsServerBin"),
        config: settingsConfig("sync_interval: always"),
      });
    });
    afterAll(() => server?.stop());

    it("warns about the default sync interval", async () => {
      const defaults = await startNatsServer({
        binary: inject("natsServerBin"),
        config: settingsConfig(""),
      });
      try {
        const result = await runCli([
          ...["--url", defaults.url, "--user", "app", "--password", "app-secret"],
          ...["--json", "doctor"],
        ]);
        expect(byCheck(parseLines(result.stdout), "sync")).toEqual([
          expect.objectContaining({
            status: "warning",
            detail: expect.stringMatching(/^sync_interval 120s: writes acknowledged/),
          }),
        ]);
      } finally {
        await defaults.stop();
      }
    });

    it("reads sync_interval: always", async () => {
      const result = await runCli([
        ...["--url", server.url, "--user", "app", "--password", "app-secret"],
        ...["--json", "doctor"],
      ]);
      const sync = byCheck(parseLines(result.stdout), "sync");
      expect(sync).toEqual([
        expect.objectContaining({ status: "ok", detail: "sync_interval: always" }),
      ]);
    });
  });
});
