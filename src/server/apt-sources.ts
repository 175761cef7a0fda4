/**
 * Reads the Debian archive this machine's apt already uses, so fetching nats-server needs no
 * mirror address of its own: the fetcher reuses the system's URI and keyring with another suite.
 * Both formats are read: deb822 `*.sources` files and one-line `sources.list` entries.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** A keyring file, when the entry names one. */
  readonly signedBy?: string;
}

/** Parses deb822 text (`Types: deb`, `URIs: …`, paragraphs split by blank lines). */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let lastKey: string | undefined;
    for (const line of paragraph.split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      if (/^\s/.test(line) && lastKey !== undefined) {
        // A continuation line (an inline key, for instance) belongs to the field above.
        fields.set(lastKey, `${fields.get(lastKey) ?? ""}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      lastKey = line.slice(0, colon).trim().toLowerCase();
      fields.set(lastKey, line.slice(colon + 1).trim());
    }
    const words = (key: string): string[] => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    if (!words("types").includes("deb") || fields.get("enabled")?.toLowerCase() === "no") continue;
    const signedBy = fields.get("signed-by");
    for (const uri of words("uris")) {
      sources.push({
        uri,
        suites: words("suites"),
        components: words("components"),
        // Only a keyring path can be reused; an inline key falls back to apt's trusted keys.
        ...(signedBy !== undefined && !signedBy.includes("\n") ? { signedBy } : {}),
      });
    }
  }
  return sources;
}

/** Parses one-line entries: `deb [signed-by=/k.gpg arch=amd64] URI suite component…`. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*/, "").trim();
    const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (match === null) continue;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(match[1] ?? "")?.[1];
    sources.push({
      uri: match[2] ?? "",
      suites: [match[3] ?? ""],
      components: (match[4] ?? "").split(/\s+/).filter(Boolean),
      ...(signedBy !== undefined ? { signedBy } : {}),
    });
  }
  return sources;
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}

/** Every `deb` entry of the system's apt configuration, in apt's own reading order. */
export async function readSystemAptSources(aptDir = "/etc/apt"): Promise<AptSource[]> {
  const sources = parseOneLineSources(await readIfPresent(join(aptDir, "sources.list")));
  const partsDir = join(aptDir, "sources.list.d");
  let parts: string[] = [];
  try {
    parts = (await readdir(partsDir)).sort();
  } catch {
    // No parts directory: the main list is all there is.
  }
  for (const part of parts) {
    const text = await readIfPresent(join(partsDir, part));
    if (part.endsWith(".sources")) sources.push(...parseDeb822Sources(text));
    else if (part.endsWith(".list")) sources.push(...parseOneLineSources(text));
  }
  return sources;
}

/**
 * The entry for the distribution's main archive: the first one with a plain release suite
 * (`bookworm`, not `bookworm-security` or `bookworm-updates`) and the `main` component.
 */
export function mainArchiveSource(sources: readonly AptSource[]): AptSource | undefined {
  return sources.find(
    (source) =>
      source.components.includes("main") && source.suites.some((suite) => /^[a-z]+$/.test(suite)),
  );
}
