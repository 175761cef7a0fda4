// CI: what `npm pack` would publish. Runs publint (strict), then checks the tarball's file
// list: what must be there, nothing from outside the published folders, every entry point,
// every source map's sources and every relative link of the shipped Markdown present, and
// that no runtime dependency asks for a newer Node than `engines` promises.
// Prints one line per problem and exits 1 when there is any.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const problems = [];
const problem = (text) => problems.push(text);

/** Files that must be in every tarball: the entry points, the licence, the documentation. */
const REQUIRED = [
  "package.json",
  "README.md",
  "LICENSE",
  "docs/cli.md",
  "dist/index.js",
  "dist/index.d.ts",
  "dist/cli/main.js",
  "dist/testing/index.js",
];
/** Where published files may come from; anything else (tests, caches, CI) is a mistake. */
const PUBLISHED_ROOTS = ["dist/", "src/", "docs/", "examples/"];
const PUBLISHED_FILES = new Set(["package.json", "README.md", "LICENSE"]);
/**
 * Runtime dependencies whose declared Node range is above ours, with the reason that is fine.
 * The suite runs on Node 20 in CI, which is what proves the reason true.
 */
const ENGINE_EXCEPTIONS = new Map([
  [
    "@nats-io/nuid",
    "3.0.0 declares Node >= 22 but uses only what Node 20 has (crypto.getRandomValues, BigInt)",
  ],
]);

function publint() {
  try {
    execFileSync(npm, ["exec", "--", "publint", "--strict"], { cwd: root, stdio: "inherit" });
  } catch {
    problem("publint reported problems (above)");
  }
}

function packedFiles() {
  // `npm pack` runs `prepack` (a clean build) first; its output is not the JSON.
  const output = execFileSync(npm, ["pack", "--dry-run", "--json"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const report = JSON.parse(output.slice(output.indexOf("[")));
  return new Set(report[0].files.map((file) => file.path));
}

function checkContents(files) {
  for (const path of REQUIRED) if (!files.has(path)) problem(`missing from the package: ${path}`);
  for (const path of files) {
    if (!PUBLISHED_FILES.has(path) && !PUBLISHED_ROOTS.some((dir) => path.startsWith(dir))) {
      problem(`not meant to be published: ${path}`);
    }
  }
}

function checkEntryPoints(files, manifest) {
  const targets = [];
  const collect = (value) => {
    if (typeof value === "string") targets.push(value);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  collect(manifest.bin);
  for (const target of targets) {
    const path = normalize(target);
    if (!files.has(path)) problem(`package.json names ${target}, which is not in the package`);
  }
}

/** Every `sources` entry of every shipped map must be shipped too, or the map points nowhere. */
function checkSourceMaps(files) {
  for (const path of files) {
    if (!path.endsWith(".map")) continue;
    const map = JSON.parse(readFileSync(join(root, path), "utf8"));
    for (const source of map.sources ?? []) {
      const target = normalize(join(dirname(path), map.sourceRoot ?? "", source));
      if (!files.has(target)) problem(`${path} names ${source}, which is not in the package`);
    }
  }
}

/** Relative links in shipped Markdown (README, docs, examples) must reach shipped files. */
function checkLinks(files) {
  for (const path of files) {
    if (!path.endsWith(".md")) continue;
    const text = readFileSync(join(root, path), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // a URL, not a file
      const linked = normalize(join(dirname(path), target));
      if (!files.has(linked) && ![...files].some((file) => file.startsWith(`${linked}/`))) {
        problem(`${path} links to ${target}, which is not in the package`);
      }
    }
  }
}

/** The lowest Node version a range such as ">=20.19" or ">= 22.x" allows; undefined if unclear. */
function lowestNode(range) {
  const match = /^\s*>=?\s*v?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?\s*$/.exec(range);
  if (match === null) return undefined;
  return [match[1], match[2], match[3]].map((part) => Number.parseInt(part ?? "0", 10) || 0);
}

function isAbove(a, b) {
  for (let index = 0; index < 3; index++) if (a[index] !== b[index]) return a[index] > b[index];
  return false;
}

/** Walks the installed runtime dependencies and compares their `engines.node` with ours. */
function checkEngines(manifest) {
  const ours = lowestNode(manifest.engines?.node ?? "");
  if (ours === undefined) {
    problem(`package.json engines.node must read ">=x.y", got ${manifest.engines?.node}`);
    return;
  }
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    // npm installs runtime dependencies flat at the top, which is where users get them too.
    const path = join(root, "node_modules", name, "package.json");
    const dependency = JSON.parse(readFileSync(path, "utf8"));
    const range = dependency.engines?.node;
    const lowest = range === undefined ? undefined : lowestNode(range);
    if (range !== undefined && lowest === undefined) {
      problem(`${name}@${dependency.version}: cannot read its engines.node "${range}"`);
    } else if (lowest !== undefined && isAbove(lowest, ours) && !ENGINE_EXCEPTIONS.has(name)) {
      problem(
        `${name}@${dependency.version} needs Node ${range}, above package.json's ${manifest.engines.node}`,
      );
    }
    for (const next of Object.keys(dependency.dependencies ?? {})) visit(next);
  };
  for (const name of Object.keys(manifest.dependencies ?? {})) visit(name);
}

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
publint();
const files = packedFiles();
checkContents(files);
checkEntryPoints(files, manifest);
checkSourceMaps(files);
checkLinks(files);
checkEngines(manifest);
for (const text of problems) console.log(`package: ${text}`);
console.log(
  problems.length === 0
    ? `package: ${files.size} files, all checks passed`
    : `package: ${problems.length} problem(s)`,
);
process.exit(problems.length === 0 ? 0 : 1);
