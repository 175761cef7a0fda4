/**
 * `connect(url, { context })` reads a `nats` CLI context from real files in a temporary
 * XDG_CONFIG_HOME: the server, login and TLS files it gives work, what the caller gives
 * explicitly wins, and a context that cannot be used is a `NatsContextError` that names
 * the context and its file but no secret.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  connect,
  isAuthorizationError,
  isInvalidOptionsError,
  isNatsContextError,
  type MessageStoreOptions,
  type NatsContextError,
} from "../../src/index.ts";
import { readNatsContext, selectedNatsContext } from "../../src/nats-context.ts";
import type { RunningNatsServer } from "../../src/server/run-nats-server.ts";
import { hasNats, natsSkipReason, uniquePrefix } from "../support/nats.ts";
import {
  newNkeyUser,
  newOperator,
  startNkeyServer,
  startOperatorServer,
  startUserPasswordServer,
} from "../support/secured-servers.ts";

const PASSWORD = "ctx-pa55-never-shown";

let configHome: string;
beforeEach(async () => {
  configHome = await mkdtemp(join(tmpdir(), "mstore-xdg-"));
  vi.stubEnv("XDG_CONFIG_HOME", configHome);
  vi.stubEnv("MESSAGE_STORE_URL", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(configHome, { recursive: true, force: true });
});

/** Writes a context as the `nats` CLI does: every field present, empty when unused. */
async function saveContext(name: string, fields: Record<string, unknown>): Promise<string> {
  const directory = join(configHome, "nats", "context");
  await mkdir(directory, { recursive: true });
  const file = join(directory, `${name}.json`);
  const settings = {
    description: "",
    url: "",
    socks_proxy: "",
    token: "",
    user: "",
    password: "",
    creds: "",
    nkey: "",
    cert: "",
    key: "",
    ca: "",
    nsc: "",
    jetstream_domain: "",
    jetstream_api_prefix: "",
    jetstream_event_prefix: "",
    inbox_prefix: "",
    user_jwt: "",
    color_scheme: "",
    tls_first: false,
    ...fields,
  };
  await writeFile(file, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return file;
}

async function saveRawContext(name: string, text: string): Promise<string> {
  const directory = join(configHome, "nats", "context");
  await mkdir(directory, { recursive: true });
  const file = join(directory, `${name}.json`);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

async function failure(url: string | undefined, options: MessageStoreOptions): Promise<Error> {
  return connect(url, options).then(
    async (store) => {
      await store.close();
      throw new Error("connect succeeded");
    },
    (error: Error) => error,
  );
}

async function roundTrip(url: string | undefined, options: MessageStoreOptions): Promise<void> {
  const store = await connect(url, { prefix: uniquePrefix("ctx"), ...options });
  try {
    await store.write("acct-1", { type: "Opened" });
    expect((await store.get("acct-1")).map((message) => message.type)).toEqual(["Opened"]);
  } finally {
    await store.close();
  }
}

describe("a context that cannot be used is refused before anything is sent", () => {
  it("names a missing context and where it looked", async () => {
    const error = await failure(undefined, { context: "nowhere" });
    expect(isNatsContextError(error)).toBe(true);
    expect(isInvalidOptionsError(error)).toBe(true);
    const contextError = error as NatsContextError;
    expect(contextError.contextName).toBe("nowhere");
    expect(contextError.file).toBe(join(configHome, "nats", "context", "nowhere.json"));
    expect(error.message).toMatch(/no such context/);
  });

  it("reads from ~/.config/nats when XDG_CONFIG_HOME is unset", async () => {
    vi.stubEnv("XDG_CONFIG_HOME", "");
    const error = await failure(undefined, { context: "mstore-test-surely-absent" });
    expect((error as NatsContextError).file).toBe(
      join(homedir(), ".config", "nats", "context", "mstore-test-surely-absent.json"),
    );
  });

  it("refuses a context it cannot read (here, a directory)", async () => {
    await mkdir(join(configHome, "nats", "context", "folder.json"), { recursive: true });
    const error = await failure(undefined, { context: "folder" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toMatch(/cannot read it: EISDIR/);
  });

  it.each([
    ["a file that is not JSON", `{"password": "${PASSWORD}",`, /not JSON/],
    ["a JSON array", `["${PASSWORD}"]`, /no JSON object/],
    [
      "a field of the wrong type",
      `{"url": 4222, "user": "app", "password": "${PASSWORD}"}`,
      /"url" must be a string/,
    ],
  ])("refuses %s without quoting it", async (_, text, problem) => {
    await saveRawContext("broken", text);
    const error = await failure(undefined, { context: "broken" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(PASSWORD);
    expect(String(error.stack)).not.toContain(PASSWORD);
  });

  it.each([
    ["jetstream_domain", { jetstream_domain: "hub" }],
    ["nsc", { nsc: "nsc://op/acct/user" }],
    ["user_jwt", { user_jwt: "eyJ0eXAi" }],
    ["socks_proxy", { socks_proxy: "127.0.0.1:1080" }],
    ["tls_first", { tls_first: true }],
  ])("refuses the unsupported setting %s rather than ignore it", async (field, fields) => {
    await saveContext("odd", { url: "nats://127.0.0.1:1", ...fields });
    const error = await failure(undefined, { context: "odd" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toContain(`"${field}" is set`);
  });

  it("refuses references it cannot resolve, naming the scheme but not the value", async () => {
    await saveContext("vault", { creds: "op://vault/nats/creds" });
    expect((await failure(undefined, { context: "vault" })).message).toMatch(
      /"creds" refers to a op: reference/,
    );
    await saveContext("env-password", { user: "app", password: `env://${PASSWORD}` });
    const error = await failure(undefined, { context: "env-password" });
    expect(error.message).toMatch(/"password" refers to a env:\/\/ reference/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it.each([
    ["two ways to log in", { user: "app", password: PASSWORD, token: "t0k" }, /more than one way/],
    ["a user without a password", { user: "app" }, /without a "password"/],
  ])("refuses %s", async (_, fields, problem) => {
    await saveContext("ambiguous", { url: "nats://127.0.0.1:1", ...fields });
    const error = await failure(undefined, { context: "ambiguous" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(PASSWORD);
  });

  it("refuses a name that is a path", async () => {
    const error = await failure(undefined, { context: "../elsewhere" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toMatch(/not a context name/);
  });

  it("refuses a context with a memory: URL", async () => {
    await saveContext("server", { url: "nats://127.0.0.1:1" });
    const error = await failure("memory:", { context: "server" });
    expect(isNatsContextError(error)).toBe(true);
    expect(error.message).toMatch(/cannot apply to memory:/);
  });

  it.each([
    ["an empty name", ""],
    ["a number", 5],
  ])("refuses %s as the context with InvalidOptionsError", async (_, context) => {
    const error = await failure(undefined, { context } as MessageStoreOptions);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(isNatsContextError(error)).toBe(false);
  });
});

describe("reading a context's files", () => {
  it("expands ~, $VAR and file:// in file paths, as the nats CLI does", async () => {
    await saveContext("paths", {
      creds: "~/keys/app.creds",
      ca: "file://$CERTS/ca.pem",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the nats CLI's ${VAR}, not a template
      cert: "${CERTS}/app.pem",
      key: "$CERTS/app.key",
    });
    const context = await readNatsContext("paths", {
      XDG_CONFIG_HOME: configHome,
      CERTS: "/etc/certs",
    });
    expect(context.options).toEqual({
      credsFile: join(homedir(), "keys/app.creds"),
      tls: {
        caFile: "/etc/certs/ca.pem",
        certFile: "/etc/certs/app.pem",
        keyFile: "/etc/certs/app.key",
      },
    });
    expect(context.url).toBeUndefined();
  });

  it("reads an nkey seed from the file the context names", async () => {
    const user = newNkeyUser();
    const seedFile = join(configHome, "user.nk");
    await writeFile(seedFile, `${user.seed}\n`, { mode: 0o600 });
    await saveContext("nkey", { nkey: seedFile });
    const context = await readNatsContext("nkey", { XDG_CONFIG_HOME: configHome });
    expect(context.options).toEqual({ nkeySeed: user.seed });
  });

  it("names the seed file it cannot read", async () => {
    await saveContext("lost-seed", { nkey: join(configHome, "missing.nk") });
    const error = await readNatsContext("lost-seed", { XDG_CONFIG_HOME: configHome }).catch(
      (e: Error) => e,
    );
    expect(isNatsContextError(error)).toBe(true);
    expect((error as Error).message).toMatch(/nkey: cannot read .*missing\.nk: ENOENT/);
  });

  it("knows the context selected with `nats context select`, and when none is", async () => {
    const env = { XDG_CONFIG_HOME: configHome };
    expect(await selectedNatsContext(env)).toBeUndefined();
    await mkdir(join(configHome, "nats"), { recursive: true });
    await writeFile(join(configHome, "nats", "context.txt"), "prod\n");
    expect(await selectedNatsContext(env)).toBe("prod");
  });
});

describe.skipIf(!hasNats())(`connecting with a context ${natsSkipReason()}`, () => {
  describe("user and password", () => {
    let server: RunningNatsServer;
    beforeAll(async () => {
      server = await startUserPasswordServer("app", PASSWORD);
    });
    afterAll(() => server?.stop());

    it("takes the server and the login from the context", async () => {
      await saveContext("app", { url: server.url, user: "app", password: PASSWORD });
      await roundTrip(undefined, { context: "app" });
    });

    it("takes the login from the context for the URL given", async () => {
      await saveContext("login-only", {
        url: "nats://127.0.0.1:1",
        user: "app",
        password: PASSWORD,
      });
      await roundTrip(server.url, { context: "login-only" });
    });

    it("lets a login given as options, or in the URL, win over the context's", async () => {
      await saveContext("stale", { url: server.url, user: "app", password: "old-password-1" });
      await roundTrip(undefined, { context: "stale", user: "app", password: PASSWORD });
      await roundTrip(server.url.replace("//", `//app:${PASSWORD}@`), { context: "stale" });
    });

    it("fails a wrong password in the context at once, naming no secret", async () => {
      await saveContext("wrong", { url: server.url, user: "app", password: "wrong-ctx-secret" });
      const startedAt = Date.now();
      const error = await failure(undefined, { context: "wrong", timeoutMs: 15_000 });
      expect(isAuthorizationError(error)).toBe(true);
      expect(Date.now() - startedAt).toBeLessThan(3000);
      expect(error.message).not.toContain("wrong-ctx-secret");
    });
  });

  it("logs in with an nkey seed file named by the context", async () => {
    const user = newNkeyUser();
    const server = await startNkeyServer(user.publicKey);
    try {
      const seedFile = join(configHome, "user.nk");
      await writeFile(seedFile, user.seed, { mode: 0o600 });
      await saveContext("nkey", { url: server.url, nkey: seedFile });
      await roundTrip(undefined, { context: "nkey" });
    } finally {
      await server.stop();
    }
  });

  it("logs in to an operator-mode server with the context's creds file", async () => {
    const setup = await newOperator();
    const server = await startOperatorServer(setup);
    try {
      const credsFile = join(configHome, "app.creds");
      await writeFile(credsFile, (await setup.newUser()).creds, { mode: 0o600 });
      await saveContext("operator", { url: server.url, creds: credsFile });
      await roundTrip(undefined, { context: "operator" });
    } finally {
      await server.stop();
    }
  });
});
