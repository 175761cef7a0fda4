/**
 * `connect()` against nats-servers that require a login or TLS: the right credentials work
 * (as options and in the URL), wrong ones fail at once with `AuthorizationError`, and no
 * secret appears in any message or log line.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  isAuthorizationError,
  isConnectionError,
  isInvalidOptionsError,
  type Logger,
  type MessageStore,
  type MessageStoreOptions,
} from "../../src/index.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsSkipReason, uniquePrefix } from "../support/nats.ts";
import {
  hasOpenssl,
  makeCertificates,
  newNkeyUser,
  newOperator,
  type OperatorSetup,
  startNkeyServer,
  startOperatorServer,
  startTlsServer,
  startTokenServer,
  startUserPasswordServer,
  strangerUser,
  type TestCertificates,
} from "../support/secured-servers.ts";

const PASSWORD = "pa55-w0rd-never-shown";
const TOKEN = "t0ken-never-shown";
/** Well under the timeout the failing connects are given: a refusal must not wait for it. */
const PROMPTLY_MS = 3000;
const LONG_TIMEOUT_MS = 15_000;

/** A logger that keeps every line, to look for secrets in. */
function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (object: unknown, message?: string): void => {
    lines.push(
      `${message ?? ""} ${JSON.stringify(object, (_, value) => (value instanceof Error ? value.message : value))}`,
    );
  };
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

/** Connects, writes and reads back one message, then closes. */
async function roundTrip(url: string, options: MessageStoreOptions = {}): Promise<void> {
  const store: MessageStore = await connect(url, { prefix: uniquePrefix("secured"), ...options });
  try {
    await store.write("acct-1", { type: "Opened" });
    expect((await store.get("acct-1")).map((message) => message.type)).toEqual(["Opened"]);
  } finally {
    await store.close();
  }
}

/** The error `connect` fails with, and how long it took. */
async function failedConnect(
  url: string,
  options: MessageStoreOptions,
): Promise<{ error: Error; elapsedMs: number }> {
  const startedAt = Date.now();
  const error = await connect(url, options).then(
    async (store) => {
      await store.close();
      throw new Error("connect succeeded");
    },
    (failure: Error) => failure,
  );
  return { error, elapsedMs: Date.now() - startedAt };
}

const opensslFound = await hasOpenssl();

function withCredentials(url: string, userinfo: string): string {
  return url.replace("nats://", `nats://${userinfo}@`);
}

describe.skipIf(!hasNats())(`secured nats-servers ${natsSkipReason()}`, () => {
  describe("user and password", () => {
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startUserPasswordServer("alice", PASSWORD);
    });
    afterAll(() => server?.stop());

    it("logs in with options and with credentials in the URL", async () => {
      await roundTrip(server.url, { user: "alice", password: PASSWORD });
      await roundTrip(withCredentials(server.url, `alice:${encodeURIComponent(PASSWORD)}`));
    });

    it("fails a wrong password at once with AuthorizationError, naming no secret", async () => {
      const logger = recordingLogger();
      const { error, elapsedMs } = await failedConnect(
        withCredentials(server.url, "alice:wrong-secret-1"),
        { timeoutMs: LONG_TIMEOUT_MS, logger },
      );
      expect(isAuthorizationError(error)).toBe(true);
      expect(isConnectionError(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
      expect(error.message).toMatch(/refused the login/);
      expect(error.message).not.toContain("wrong-secret-1");
      expect(logger.lines.join("\n")).not.toContain("wrong-secret-1");
    });

    it("fails a missing login at once too", async () => {
      const { error, elapsedMs } = await failedConnect(server.url, { timeoutMs: LONG_TIMEOUT_MS });
      expect(isAuthorizationError(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
    });
  });

  describe("token", () => {
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startTokenServer(TOKEN);
    });
    afterAll(() => server?.stop());

    it("logs in with the token as an option and in the URL", async () => {
      await roundTrip(server.url, { token: TOKEN });
      await roundTrip(withCredentials(server.url, TOKEN));
    });

    it("fails a wrong token at once, naming no secret", async () => {
      const { error, elapsedMs } = await failedConnect(server.url, {
        token: "not-the-token-9",
        timeoutMs: LONG_TIMEOUT_MS,
      });
      expect(isAuthorizationError(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
      expect(error.message).not.toContain("not-the-token-9");
    });
  });

  describe("nkey", () => {
    const user = newNkeyUser();
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startNkeyServer(user.publicKey);
    });
    afterAll(() => server?.stop());

    it("logs in with the user's seed", async () => {
      await roundTrip(server.url, { nkeySeed: user.seed });
    });

    it("logs in with a creds file holding the seed", async () => {
      // A server without an operator checks only the nkey signature, not the JWT.
      const file = join(server.storeDir, "user.creds");
      await writeFile(
        file,
        [
          "-----BEGIN NATS USER JWT-----",
          "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln",
          "------END NATS USER JWT------",
          "",
          "-----BEGIN USER NKEY SEED-----",
          user.seed,
          "------END USER NKEY SEED------",
          "",
        ].join("\n"),
        { mode: 0o600 },
      );
      await roundTrip(server.url, { credsFile: file });
    });

    it("fails another user's seed at once, naming no secret", async () => {
      const stranger = newNkeyUser();
      const { error, elapsedMs } = await failedConnect(server.url, {
        nkeySeed: stranger.seed,
        timeoutMs: LONG_TIMEOUT_MS,
      });
      expect(isAuthorizationError(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
      expect(error.message).not.toContain(stranger.seed);
    });
  });

  describe("operator mode (JWTs and a creds file)", () => {
    let setup: OperatorSetup;
    let server: RunningNatsServer;
    beforeAll(async () => {
      setup = await newOperator();
      server = await startOperatorServer(setup);
    });
    afterAll(() => server?.stop());

    /** Writes `creds` to a file only its owner reads, as `nsc` does. */
    async function credsFile(name: string, creds: string): Promise<string> {
      const file = join(server.storeDir, `${name}.creds`);
      await writeFile(file, creds, { mode: 0o600 });
      return file;
    }

    it("logs in with a creds file of a user its account signed", async () => {
      const user = await setup.newUser();
      await roundTrip(server.url, { credsFile: await credsFile("right", user.creds) });
    });

    it.each([
      ["an expired user", () => setup.newUser({ expiresAt: Math.floor(Date.now() / 1000) - 60 })],
      ["a user of an account the server does not know", () => strangerUser()],
    ])("fails %s at once with AuthorizationError, naming no secret", async (_, makeUser) => {
      const user = await makeUser();
      const logger = recordingLogger();
      const { error, elapsedMs } = await failedConnect(server.url, {
        credsFile: await credsFile("refused", user.creds),
        timeoutMs: LONG_TIMEOUT_MS,
        logger,
      });
      expect(isAuthorizationError(error)).toBe(true);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
      expect(error.message).toMatch(/refused the login \(creds credentials\)/);
      const said = [error.message, String(error.stack), ...logger.lines].join("\n");
      expect(said).not.toContain(user.seed);
      expect(said).not.toContain(user.jwt);
      // Not even a part of either: the JWT's payload and signature, the seed's body.
      for (const part of [...user.jwt.split(".").slice(1), user.seed.slice(2)]) {
        expect(said).not.toContain(part);
      }
    });
  });

  describe.skipIf(!opensslFound)("TLS with client certificates (needs openssl)", () => {
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

    it("connects with the CA and a client certificate", async () => {
      await roundTrip(server.url, {
        tls: {
          caFile: certificates.caFile,
          certFile: certificates.clientCert,
          keyFile: certificates.clientKey,
        },
      });
    });

    it("does not connect without trusting the server's CA", async () => {
      const { error } = await failedConnect(server.url, {
        timeoutMs: 1500,
        tls: { certFile: certificates.clientCert, keyFile: certificates.clientKey },
      });
      expect(isConnectionError(error)).toBe(true);
    });
  });
});

describe("credentials checked before anything reaches the wire", () => {
  const refused = async (url: string, options: MessageStoreOptions): Promise<Error> =>
    connect(url, options).then(
      () => {
        throw new Error("connect succeeded");
      },
      (error: Error) => error,
    );

  it.each([
    ["a user without a password", { user: "alice" }],
    ["a password without a user", { password: PASSWORD }],
    ["two ways to log in", { token: TOKEN, user: "alice", password: PASSWORD }],
    ["an nkey seed that is not a user seed", { nkeySeed: "SUnot-a-seed" }],
    ["a certificate without its key", { tls: { certFile: "client.pem" } }],
    ["an unknown TLS option", { tls: { ca: "x" } as MessageStoreOptions["tls"] }],
    ["an empty token", { token: "" }],
  ])("refuses %s with InvalidOptionsError", async (_, options) => {
    const error = await refused("nats://127.0.0.1:1", options);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain("SUnot-a-seed");
  });

  it("refuses credentials given both in the URL and as options", async () => {
    const error = await refused(`nats://alice:${PASSWORD}@127.0.0.1:1`, { token: TOKEN });
    expect(isInvalidOptionsError(error)).toBe(true);
  });

  it("refuses a creds file it cannot read, at once", async () => {
    const error = await refused("nats://127.0.0.1:1", { credsFile: "/nonexistent/user.creds" });
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(error.message).toMatch(/credsFile: cannot read/);
  });

  it("redacts the password of an unsupported URL in its message", async () => {
    const error = await refused(`http://alice:${PASSWORD}@127.0.0.1:4222`, {});
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(error.message).toContain("***@");
    expect(error.message).not.toContain(PASSWORD);
  });

  it("names the servers without their credentials when none answers", async () => {
    const error = await refused(`nats://alice:${PASSWORD}@127.0.0.1:1`, { timeoutMs: 300 });
    expect(isConnectionError(error)).toBe(true);
    expect(error.message).toContain("127.0.0.1:1");
    expect(error.message).not.toContain(PASSWORD);
  });
});
