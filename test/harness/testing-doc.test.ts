// docs/testing.md's first snippet, compiled and run as a user's project would: its own
// tsconfig (module nodenext, no allowImportingTsExtensions), its own module under test, and
// message-store and vitest as dependencies.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);

/** The user's module that the snippet tests. */
const INVENTORY = `import type { MessageStore } from "message-store";

export async function reserve(store: MessageStore, item: string, qty: number): Promise<boolean> {
  const { state } = await store.fetch(\`inventory-\${item}\`, {
    init: 0,
    handlers: { Received: (free: number, message) => free + (message.data as { qty: number }).qty },
  });
  if (state < qty) return false;
  await store.write(\`inventory-\${item}\`, { type: "Reserved", data: { qty } });
  return true;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
  include: ["src", "test"],
};

function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: `${stdout}${stderr}` });
    });
  });
}

async function firstSnippet(): Promise<string> {
  const text = await readFile(join(projectRoot, "docs", "testing.md"), "utf8");
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (match?.[1] === undefined) throw new Error("docs/testing.md has no ts snippet");
  return match[1];
}

describe("docs/testing.md in a user's project", { timeout: 180_000 }, () => {
  let userProject = "";

  beforeAll(async () => {
    userProject = await mkdtemp(join(tmpdir(), "user-project-"));
    await mkdir(join(userProject, "src"));
    await mkdir(join(userProject, "test"));
    await mkdir(join(userProject, "node_modules"));
    await writeFile(join(userProject, "package.json"), '{ "type": "module" }\n');
    await writeFile(join(userProject, "tsconfig.json"), JSON.stringify(TSCONFIG));
    await writeFile(join(userProject, "src", "inventory.ts"), INVENTORY);
    await writeFile(join(userProject, "test", "inventory.test.ts"), await firstSnippet());
    // The package as installed (its package.json, exports and the built dist/), and vitest.
    await symlink(projectRoot, join(userProject, "node_modules", "message-store"), "dir");
    await symlink(
      join(projectRoot, "node_modules", "vitest"),
      join(userProject, "node_modules", "vitest"),
      "dir",
    );
  });

  afterAll(async () => {
    if (userProject !== "") await rm(userProject, { recursive: true, force: true });
  });

  it("type-checks with the user's own tsconfig", async () => {
    const tsc = require.resolve("typescript/bin/tsc");
    const result = await run([tsc, "-p", "tsconfig.json"], userProject);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("runs and passes under Vitest", async () => {
    const vitest = join(projectRoot, "node_modules", "vitest", "vitest.mjs");
    const result = await run([vitest, "run", "--root", userProject], userProject);
    expect(result.output).toMatch(/1 passed/);
    expect(result.code).toBe(0);
  });
});
