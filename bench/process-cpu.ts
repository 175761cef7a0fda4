/**
 * CPU time of this process and of the benchmark's nats-server over one stretch of a run, so a
 * benchmark can say whether a rate was bound by the machine's cores or by waiting. The
 * server's time comes from `/proc/{pid}/stat` (Linux; elsewhere it is left out).
 */
import { readFileSync } from "node:fs";

/** Linux reports a process's CPU time in clock ticks, 100 per second on x86-64 and arm64. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds `pid` has used so far, or `undefined` where `/proc` cannot tell. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return ((user + system) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface CpuShare {
  /** Wall-clock milliseconds measured. */
  readonly wallMs: number;
  /** CPU milliseconds this process used (the client: every store of the benchmark). */
  readonly clientMs: number;
  /** CPU milliseconds the server used, when known. */
  readonly serverMs: number | undefined;
}

/** Starts measuring; the returned function ends the stretch and says what it used. */
export function measureCpu(serverPid: number): () => CpuShare {
  const startedAt = performance.now();
  const client = process.cpuUsage();
  const server = processCpuMs(serverPid);
  return () => {
    const used = process.cpuUsage(client);
    const serverNow = processCpuMs(serverPid);
    return {
      wallMs: performance.now() - startedAt,
      clientMs: (used.user + used.system) / 1000,
      serverMs: server === undefined || serverNow === undefined ? undefined : serverNow - server,
    };
  };
}

/** "client 70%, server 97% of a core" for a report line. */
export function describeCpu(share: CpuShare): string {
  const percent = (ms: number): string => `${((ms / share.wallMs) * 100).toFixed(0)}%`;
  const server = share.serverMs === undefined ? "" : `, server ${percent(share.serverMs)}`;
  return `CPU: client ${percent(share.clientMs)}${server} of a core`;
}
