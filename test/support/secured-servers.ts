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
