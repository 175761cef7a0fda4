/**
 * nats-servers that require a login or TLS, for the tests of `connect()`'s credentials and
 * of the CLI's connection flags. Certificates are made in the test with `openssl`; without
 * it, TLS tests skip and say why.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import { nkeys } from "@nats-io/transport-node";
import { inject } from "vitest";
import {
  type RunningNatsServer,
  type StartNatsServerOptions,
  startNatsServer,
} from "../../src/server/run-nats-server.ts";

const run = promisify(execFile);

function serverBinary(): string {
  const binary = inject("natsServerBin");
  if (binary === "") throw new Error("no nats-server for this run");
  return binary;
}

function start(options: Omit<StartNatsServerOptions, "binary">): Promise<RunningNatsServer> {
  return startNatsServer({ binary: serverBinary(), ...options });
}

export function startUserPasswordServer(
  user: string,
  password: string,
): Promise<RunningNatsServer> {
  return start({ extraArgs: ["--user", user, "--pass", password] });
}

export function startTokenServer(token: string): Promise<RunningNatsServer> {
  return start({ extraArgs: ["--auth", token] });
}

export interface NkeyUser {
  readonly seed: string;
  readonly publicKey: string;
}

/** A new nkey user: its seed (the secret) and public key (what the server knows). */
export function newNkeyUser(): NkeyUser {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

export function startNkeyServer(publicKey: string): Promise<RunningNatsServer> {
  return start({ config: `authorization { users = [ { nkey: "${publicKey}" } ] }\n` });
}

/** Whether `openssl` runs here; TLS tests need it to make certificates. */
export async function hasOpenssl(): Promise<boolean> {
  try {
    await run("openssl", ["version"]);
    return true;
  } catch {
    return false;
  }
}

export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  remove(): Promise<void>;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, valid for a day. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "mstore-tls-"));
  const path = (name: string): string => join(dir, name);
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", [
    ...["req", "-x509", ...ecKey, "-days", "1", "-subj", "/CN=mstore test CA"],
    ...["-keyout", path("ca.key"), "-out", path("ca.pem")],
  ]);
  const sign = async (name: string, extensions: string): Promise<void> => {
    await writeFile(path(`${name}.ext`), extensions);
    await run("openssl", [
      ...["req", ...ecKey, "-subj", `/CN=${name}`],
      ...["-keyout", path(`${name}.key`), "-out", path(`${name}.csr`)],
    ]);
    await run("openssl", [
      ...["x509", "-req", "-in", path(`${name}.csr`), "-days", "1"],
      ...["-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial"],
      ...["-extfile", path(`${name}.ext`), "-out", path(`${name}.pem`)],
    ]);
  };
  await sign("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await sign("client", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caFile: path("ca.pem"),
    serverCert: path("server.pem"),
    serverKey: path("server.key"),
    clientCert: path("client.pem"),
    clientKey: path("client.key"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A server that requires TLS and a client certificate signed by the test CA. */
export function startTlsServer(certificates: TestCertificates): Promise<RunningNatsServer> {
  const quoted = (file: string): string => JSON.stringify(file);
  return start({
    config: [
      "tls {",
      `  cert_file: ${quoted(certificates.serverCert)}`,
      `  key_file: ${quoted(certificates.serverKey)}`,
      `  ca_file: ${quoted(certificates.caFile)}`,
      "  verify: true",
      "}",
      "",
    ].join("\n"),
  });
}

/**
 * Decentralised auth, made in the test as `nsc` would: an operator signs an account, the
 * account signs users. The server trusts the operator and knows the account from a memory
 * resolver, so a user it has never seen logs in with a JWT its account signed.
 */
export interface OperatorSetup {
  readonly operatorJwt: string;
  readonly accountPublicKey: string;
  readonly accountJwt: string;
  /** JetStream needs a system account in operator mode; it has no users here. */
  readonly systemAccountPublicKey: string;
  readonly systemAccountJwt: string;
  /** Signs a user of the account; `expiresAt` (epoch seconds) makes the JWT expire. */
  newUser(options?: { readonly expiresAt?: number }): Promise<CredsUser>;
}

export interface CredsUser {
  readonly jwt: string;
  readonly seed: string;
  /** The text of a `.creds` file: the user's JWT and seed, as `nsc` writes it. */
  readonly creds: string;
}

/**
 * An account without limits. Given limits replace the defaults whole, so each is spelled out:
 * a missing `conn` allows no connection, and without the JetStream ones there is no JetStream.
 */
const UNLIMITED_ACCOUNT = {
  subs: -1,
  conn: -1,
  leaf: -1,
  imports: -1,
  exports: -1,
  data: -1,
  payload: -1,
  wildcards: true,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
} as const;

export async function newOperator(): Promise<OperatorSetup> {
  const operator = createOperator();
  const account = createAccount();
  const system = createAccount();
  const operatorJwt = await encodeOperator("mstore-test", operator, {
    system_account: system.getPublicKey(),
  });
  const accountJwt = await encodeAccount(
    "APP",
    account,
    { limits: UNLIMITED_ACCOUNT },
    { signer: operator },
  );
  return {
    operatorJwt,
    systemAccountPublicKey: system.getPublicKey(),
    systemAccountJwt: await encodeAccount("SYS", system, {}, { signer: operator }),
    accountPublicKey: account.getPublicKey(),
    accountJwt,
    newUser: (options = {}) => signUser(account, options.expiresAt),
  };
}

/** A user signed by an account the server does not know: its JWT is well formed but refused. */
export async function strangerUser(): Promise<CredsUser> {
  return signUser(createAccount());
}

async function signUser(account: KeyPair, expiresAt?: number): Promise<CredsUser> {
  const user = createUser();
  const jwt = await encodeUser(
    "app-user",
    user,
    account,
    {},
    expiresAt === undefined ? {} : { exp: expiresAt },
  );
  return {
    jwt,
    seed: new TextDecoder().decode(user.getSeed()),
    creds: new TextDecoder().decode(fmtCreds(jwt, user)),
  };
}

/** A server in operator mode, trusting `setup`'s operator, with its account preloaded. */
export function startOperatorServer(setup: OperatorSetup): Promise<RunningNatsServer> {
  return start({
    config: [
      `operator: ${setup.operatorJwt}`,
      `system_account: ${setup.systemAccountPublicKey}`,
      "resolver: MEMORY",
      "resolver_preload: {",
      `  ${setup.systemAccountPublicKey}: ${setup.systemAccountJwt}`,
      `  ${setup.accountPublicKey}: ${setup.accountJwt}`,
      "}",
      "",
    ].join("\n"),
  });
}
