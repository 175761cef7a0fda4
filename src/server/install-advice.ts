/**
 * What to tell someone whose machine has no nats-server this package can use, and cannot
 * fetch one (no `apt-get`: macOS, Fedora, Alpine, Windows). The finder's error ends with it.
 */
import { MIN_NATS_SERVER_VERSION } from "./server-version.ts";

const RELEASES = "https://github.com/nats-io/nats-server/releases";

/** The install commands, this platform's first, and how to point message-store at the binary. */
export function installAdvice(
  platform: NodeJS.Platform = process.platform,
  minVersion: string = MIN_NATS_SERVER_VERSION,
): string {
  const byPlatform: ReadonlyArray<readonly [NodeJS.Platform | "", string, string]> = [
    ["darwin", "macOS", "brew install nats-server"],
    ["linux", "Fedora, RHEL", "sudo dnf install nats-server"],
    ["linux", "Alpine", "sudo apk add nats-server"],
    ["linux", "Debian, Ubuntu", "install apt-get and dpkg, and mstore fetches it for you"],
    ["win32", "Windows", "scoop install nats-server"],
    ["", "any platform", `unpack a release archive from ${RELEASES}`],
    ["", "with Go", "go install github.com/nats-io/nats-server/v2@latest"],
  ];
  const ordered = [
    ...byPlatform.filter(([os]) => os === platform),
    ...byPlatform.filter(([os]) => os !== platform),
  ];
  const width = Math.max(...ordered.map(([, name]) => name.length)) + 1;
  return [
    `Install nats-server >= ${minVersion}, then put it on PATH or set NATS_SERVER_BIN to its path:`,
    ...ordered.map(([, name, how]) => `  ${`${name}:`.padEnd(width)}  ${how}`),
    `Distribution packages can be older than ${minVersion}: check 'nats-server --version'.`,
  ].join("\n");
}
