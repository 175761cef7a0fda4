/**
 * What NATS tests use: the shared server's URL, a unique prefix per test, and dedicated
 * servers for failure tests that kill or restart their server.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { type RunningNatsServer, startNatsServer } from "../../src/server/run-nats-server.ts";
import type {} from "./provided-context.ts";

/** True when the global setup runs a nats-server. Use with `describe.skipIf(!hasNats())`. */
export function hasNats(): boolean {
  return inject("natsUrl") !== "";
}

/** Why NATS tests are skipped, or "" when they run. */
export function natsSkipReason(): string {
  return inject("natsUnavailableReason");
}

/** The shared server's URL. Throws, with the reason, when there is none. */
export function natsUrl(): string {
  const url = inject("natsUrl");
  if (url === "") throw new Error(`no NATS server for this run: ${natsSkipReason()}`);
  return url;
}

let prefixCounter = 0;

/**
 * A prefix no other test (in this run or an earlier one on the same server) uses: letters,
 * digits and `_` only, starting with a letter. `label` makes it readable in server listings.
 */
export function uniquePrefix(label = "t"): string {
  const readable = label.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 24);
  prefixCounter += 1;
  const unique = `${process.pid.toString(36)}${prefixCounter}${randomBytes(4).toString("hex")}`;
  return /^[A-Za-z]/.test(readable) ? `${readable}_${unique}` : `t${readable}_${unique}`;
}

/**
 * A nats-server of its own (same binary as the shared one), for tests that kill or restart
 * it. The caller stops it, e.g. in `afterAll`.
 */
export function startDedicatedServer(
  options: { storeDir?: string } = {},
): Promise<RunningNatsServer> {
  const binary = inject("natsServerBin");
  if (binary === "") {
    return Promise.reject(new Error(`no nats-server for this run: ${natsSkipReason()}`));
  }
  return startNatsServer({
    binary,
    ...(options.storeDir !== undefined ? { storeDir: options.storeDir } : {}),
  });
}
