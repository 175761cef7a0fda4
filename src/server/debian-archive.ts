/**
 * Fetches the `nats-server` package from Debian with a private apt configuration: its own
 * sources list, package lists and cache, and an empty dpkg status. The system's apt state is
 * never read for packages nor written, so this works without touching the machine's setup.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AptSource } from "./apt-sources.ts";

export interface DebianFetchOptions {
  /** The archive entry whose URI and keyring are reused. */
  readonly source: AptSource;
  /** The suites to take the package from; apt picks the newest version among them. */
  readonly suites: readonly string[];
  /** The private apt state (lists, cache); kept between fetches so updates are incremental. */
  readonly aptDir: string;
  /** An empty directory for the download and the unpacked package. */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

/** Paths inside the package where the binary has lived. */
const BINARY_PATHS = ["usr/sbin/nats-server", "usr/bin/nats-server"];

/** Runs a command; a failure names the step (`apt-get update`), not every `-o` option. */
function run(step: string, args: readonly string[], cwd?: string): Promise<string> {
  const [command = "", ...rest] = step.split(" ");
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...rest, ...args],
      { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        const output = `${stdout}${stderr}`.trim().split("\n").slice(-8).join("\n");
        reject(new Error(`${step} failed: ${error.message}\n${output}`));
      },
    );
  });
}

/** The `-o` options that point apt at the private state instead of the system's. */
function privateAptOptions(aptDir: string): string[] {
  const settings = [
    `Dir::Etc::SourceList=${join(aptDir, "sources.list")}`,
    `Dir::Etc::SourceParts=${join(aptDir, "sources.list.d")}`,
    `Dir::Etc::Preferences=${join(aptDir, "preferences")}`,
    `Dir::Etc::PreferencesParts=${join(aptDir, "preferences.d")}`,
    `Dir::State=${join(aptDir, "state")}`,
    `Dir::State::Lists=${join(aptDir, "lists")}`,
    "Dir::State::Status=/dev/null",
    `Dir::Cache=${join(aptDir, "cache")}`,
  ];
  // As root, apt downloads as the `_apt` user, who cannot write into a private directory.
  if (process.getuid?.() === 0) settings.push("APT::Sandbox::User=root");
  return settings.flatMap((setting) => ["-o", setting]);
}

function sourcesList(source: AptSource, suites: readonly string[]): string {
  const options = source.signedBy === undefined ? "" : `[signed-by=${source.signedBy}] `;
  return suites.map((suite) => `deb ${options}${source.uri} ${suite} main\n`).join("");
}

async function prepareAptDir(options: DebianFetchOptions): Promise<void> {
  const { aptDir } = options;
  for (const dir of ["sources.list.d", "preferences.d", "state", "lists/partial", "cache"]) {
    await mkdir(join(aptDir, dir), { recursive: true });
  }
  await mkdir(join(aptDir, "cache", "archives", "partial"), { recursive: true });
  await writeFile(join(aptDir, "sources.list"), sourcesList(options.source, options.suites));
}

async function firstExisting(root: string, paths: readonly string[]): Promise<string> {
  for (const path of paths) {
    try {
      await access(join(root, path));
      return join(root, path);
    } catch {
      // Try the next known location.
    }
  }
  throw new Error(`the nats-server package has no binary at ${paths.join(" or ")}`);
}

/**
 * Downloads and unpacks the newest `nats-server` among `suites`; returns the unpacked binary's
 * path inside `workDir`. Needs `apt-get` and `dpkg` (any Debian or Ubuntu machine has them).
 */
export async function fetchNatsServerPackage(options: DebianFetchOptions): Promise<string> {
  const { log, workDir } = options;
  await prepareAptDir(options);
  const aptOptions = privateAptOptions(options.aptDir);
  log(`updating package lists for ${options.suites.join(", ")} (private apt state)…`);
  await run("apt-get update", ["-q", ...aptOptions]);
  log("downloading the nats-server package…");
  await run("apt-get download nats-server", ["-q", ...aptOptions], workDir);
  const packageFile = (await readdir(workDir)).find((name) => name.endsWith(".deb"));
  if (packageFile === undefined) throw new Error("apt-get download left no .deb file");
  log(`unpacking ${packageFile}…`);
  const unpacked = join(workDir, "unpacked");
  await run("dpkg -x", [join(workDir, packageFile), unpacked]);
  return firstExisting(unpacked, BINARY_PATHS);
}
