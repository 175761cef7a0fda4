/**
 * `mstore` against secured nats-servers: the login and TLS flags, the `nats` CLI's
 * environment variables, a prompt refusal with exit 1, and no secret on stdout or stderr.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsSkipReason, uniquePrefix } from "../support/nats.ts";
import {
  hasOpenssl,
  makeCertificates,
  newNkeyUser,
  startNkeyServer,
  startTlsServer,
  startUserPasswordServer,
  type TestCertificates,
} from "../support/secured-servers.ts";
import { type CliResult, cleanEnv, runCli } from "./run-cli.ts";

const PASSWORD = "cli-pa55-never-shown";
const opensslFound = await hasOpenssl();

/** `mstore write` then `mstore get --json` against `url`, with extra arguments and env. */
async function writeAndRead(
  url: string,
  extra: readonly string[],
  env: Record<string, string> = {},
): Promise<{ write: CliResult; read: CliResult }> {
  const common = ["--url", url, "--prefix", uniquePrefix("cli_login"), ...extra];
  const write = await runCli([...common, "write", "acct-1", "Opened"], { env: cleanEnv(env) });
  const read = await runCli([...common, "--json", "read", "acct-1"], { env: cleanEnv(env) });
  return { write, read };
}

function expectOneOpened({ write, read }: { write: CliResult; read: CliResult }): void {
  expect(write.stderr).toBe("");
  expect(write.code).toBe(0);
  expect(read.code).toBe(0);
  expect(read.stdout).toContain('"type":"Opened"');
}

describe.skipIf(!hasNats())(`mstore with a secured server ${natsSkipReason()}`, () => {
  describe("user and password", () => {
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startUserPasswordServer("cli", PASSWORD);
    });
    afterAll(() => server?.stop());

    it("logs in with --user and --password", async () => {
      expectOneOpened(await writeAndRead(server.url, ["--user", "cli", "--password", PASSWORD]));
    });

    it("logs in with NATS_USER and NATS_PASSWORD", async () => {
      expectOneOpened(
        await writeAndRead(server.url, [], { NATS_USER: "cli", NATS_PASSWORD: PASSWORD }),
      );
    });

    it("logs in with credentials in --url", async () => {
      expectOneOpened(await writeAndRead(server.url.replace("//", `//cli:${PASSWORD}@`), []));
    });

    it("fails a wrong password at once with exit 1, printing no secret", async () => {
      const startedAt = Date.now();
      const url = server.url.replace("//", "//cli:wrong-cli-secret@");
      const result = await runCli([
        "--url",
        url,
        "--timeout",
        "20000",
        "--debug",
        "read",
        "acct-1",
      ]);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^AuthorizationError: .*refused the login/m);
      expect(result.stderr).toMatch(/--user\/--password/);
      expect(`${result.stdout}${result.stderr}`).not.toContain("wrong-cli-secret");
    });
  });

  describe("nkey and creds files", () => {
    const user = newNkeyUser();
    let server: RunningNatsServer;
    let seedFile: string;
    let credsFile: string;
    beforeAll(async () => {
      server = await startNkeyServer(user.publicKey);
      seedFile = join(server.storeDir, "user.nk");
      await writeFile(seedFile, `${user.seed}\n`, { mode: 0o600 });
      credsFile = join(server.storeDir, "user.creds");
      await writeFile(
        credsFile,
        `-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${user.seed}\n------END USER NKEY SEED------\n`,
        { mode: 0o600 },
      );
    });
    afterAll(() => server?.stop());

    it("logs in with --nkey and with NATS_NKEY", async () => {
      expectOneOpened(await writeAndRead(server.url, ["--nkey", seedFile]));
      expectOneOpened(await writeAndRead(server.url, [], { NATS_NKEY: seedFile }));
    });

    it("logs in with --creds and with NATS_CREDS", async () => {
      expectOneOpened(await writeAndRead(server.url, ["--creds", credsFile]));
      expectOneOpened(await writeAndRead(server.url, [], { NATS_CREDS: credsFile }));
    });

    it("names an unreadable --nkey file as an options error", async () => {
      const result = await runCli([
        "--url",
        server.url,
        "--nkey",
        "/nonexistent/user.nk",
        "read",
        "a-1",
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^InvalidOptionsError: --nkey: cannot read \/nonexistent\/user.nk/m,
      );
    });
  });

  describe.skipIf(!opensslFound)("TLS (needs openssl)", () => {
    let certificates: TestCertificates;
    let server: RunningNatsServer;
    beforeAll(async () => {
      certificates = await makeCertificates();
      server = await startTlsServer(certificates);
    });
    afterAll(async () => {
      await server?.stop();
      await certificates?.remove();
    });

    it("connects with --tlsca, --tlscert and --tlskey", async () => {
      const { caFile, clientCert, clientKey } = certificates;
      expectOneOpened(
        await writeAndRead(server.url, [
          "--tlsca",
          caFile,
          "--tlscert",
          clientCert,
          "--tlskey",
          clientKey,
        ]),
      );
    });

    it("connects with --tls-ca, --tls-cert, --tls-key and with NATS_CA, NATS_CERT, NATS_KEY", async () => {
      const { caFile, clientCert, clientKey } = certificates;
      expectOneOpened(
        await writeAndRead(server.url, [
          "--tls-ca",
          caFile,
          "--tls-cert",
          clientCert,
          "--tls-key",
          clientKey,
        ]),
      );
      expectOneOpened(
        await writeAndRead(server.url, [], {
          NATS_CA: caFile,
          NATS_CERT: clientCert,
          NATS_KEY: clientKey,
        }),
      );
    });
  });
});
