/**
 * Every relative link in the README and docs/ leads somewhere: the file exists, and an anchor
 * names one of its headings as GitHub makes heading anchors. A renamed section would otherwise
 * leave the pages that point at it pointing at nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs")).map((name) => `docs/${name}`),
].filter((page) => page.endsWith(".md"));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a page's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inCode = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading === null) continue;
    const base = anchorOf(heading[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links `[text](target)` outside code, as `{ target, anchor }`. */
function linksOf(text: string): { file: string; anchor: string | undefined }[] {
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const links: { file: string; anchor: string | undefined }[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? "";
    if (/^[a-z]+:/i.test(target)) continue;
    const [file = "", anchor] = target.split("#");
    links.push({ file, anchor });
  }
  return links;
}

describe("links in the README and docs/", () => {
  for (const page of pages) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const text = readFileSync(join(root, page), "utf8");
      const broken: string[] = [];
      for (const { file, anchor } of linksOf(text)) {
        const path = file === "" ? join(root, page) : join(root, dirname(page), file);
        if (!existsSync(path)) {
          broken.push(`${file}: no such file`);
          continue;
        }
        if (anchor === undefined || !path.endsWith(".md")) continue;
        if (!anchorsOf(readFileSync(path, "utf8")).has(anchor))
          broken.push(`${relative(root, path)}#${anchor}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});
