import { describe, expect, it } from "vitest";
import { InvalidOptionsError, isInvalidStreamNameError } from "../../src/errors.ts";
import {
  cardinalId,
  category,
  categoryTypes,
  id,
  isCategory,
  MAX_CATEGORY_BYTES,
  MAX_ID_BYTES,
  MAX_PREFIX_BYTES,
  streamName,
} from "../../src/index.ts";
import { checkPrefix, parseStream, parseTarget } from "../../src/stream-name.ts";

function rejects(action: () => unknown): boolean {
  try {
    action();
  } catch (error) {
    return isInvalidStreamNameError(error);
  }
  return false;
}

describe("stream names", () => {
  it("splits at the first '-'", () => {
    expect(category("account-123")).toBe("account");
    expect(id("account-123")).toBe("123");
    expect(id("account-123-456")).toBe("123-456");
    expect(category("account:command-123")).toBe("account:command");
  });

  it("treats a name without '-' as a category", () => {
    expect(isCategory("account")).toBe(true);
    expect(isCategory("account:command+position")).toBe(true);
    expect(isCategory("account-1")).toBe(false);
    expect(id("account")).toBeUndefined();
    expect(cardinalId("account")).toBeUndefined();
  });

  it("reads compound ids and category types", () => {
    expect(cardinalId("account-123+456")).toBe("123");
    expect(cardinalId("account-123")).toBe("123");
    expect(id("account-123+456")).toBe("123+456");
    expect(categoryTypes("account:command+position-1")).toEqual(["command", "position"]);
    expect(categoryTypes("account")).toEqual([]);
  });

  it("composes names, with an array id as a compound id", () => {
    expect(streamName("account", "123")).toBe("account-123");
    expect(streamName("account", ["123", "456"])).toBe("account-123+456");
    expect(streamName("account")).toBe("account");
    expect(streamName("import-podcast:command", "65a1")).toBe("import-podcast:command-65a1");
  });

  it("keeps category and id apart for a {category, id} ref with '-' in the category", () => {
    expect(parseStream({ category: "import-podcast:command", id: "65a1" })).toEqual({
      category: "import-podcast:command",
      id: "65a1",
      name: "import-podcast:command-65a1",
    });
    expect(parseTarget({ category: "import-podcast:command" })).toEqual({
      category: "import-podcast:command",
      id: undefined,
      name: "import-podcast:command",
    });
  });

  it.each([
    "",
    "acct-",
    "-1",
    "-",
    "acct 1",
    "acct-1 2",
    "acct-\n1",
    "acct.x-1",
    "acct-1.2",
    "acct-*",
    "*",
    "acct->",
    ">",
  ])("rejects %j with InvalidStreamNameError", (name) => {
    expect(rejects(() => parseTarget(name))).toBe(true);
    expect(rejects(() => category(name))).toBe(true);
  });

  it("rejects bad {category, id} refs and a category where a stream is needed", () => {
    expect(rejects(() => parseStream({ category: "", id: "1" }))).toBe(true);
    expect(rejects(() => parseStream({ category: "acct", id: "" }))).toBe(true);
    expect(rejects(() => parseStream({ category: "a.b", id: "1" }))).toBe(true);
    expect(rejects(() => parseStream("account"))).toBe(true);
    expect(rejects(() => streamName("account", "1.2"))).toBe(true);
    expect(rejects(() => streamName("account", ""))).toBe(true);
  });

  // Each passed the old rules and then failed in nats-server or nats.js (issue 11).
  it.each([
    ["$JS-API", "reserved"],
    ["$SYS-1", "reserved"],
    ["_INBOX-1", "reserved"],
    ["a/b-1", '"/"'],
    ["a\\b-1", '"\\"'],
    ["a\u0000b-1", "U+0000"],
    ["a\u007fb-1", "U+007F"],
    ["acct-x\u007f", "U+007F"],
    ["acct-x\u0085", "U+0085"],
    ["acct-\ud800", "lone surrogate"],
    ["a\udc00-1", "lone surrogate"],
    ["acct-\u00a0", "whitespace"],
    ["\u{3347a}-1", "beyond U+FFFF"],
    ["😀-1", "beyond U+FFFF"],
    [`${"c".repeat(MAX_CATEGORY_BYTES + 1)}-1`, "longer than 128 bytes"],
    [`${"é".repeat(MAX_CATEGORY_BYTES / 2 + 1)}-1`, "longer than 128 bytes"],
    [`acct-${"i".repeat(MAX_ID_BYTES + 1)}`, "longer than 1024 bytes"],
    [`acct-${"i".repeat(4090)}`, "longer than 1024 bytes"],
  ])("rejects %j, which the server or client would refuse, saying why", (name, reason) => {
    let error: unknown;
    try {
      parseTarget(name);
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidStreamNameError(error)).toBe(true);
    expect(String((error as Error).message)).toContain(reason);
  });

  it("accepts parts exactly at the byte limits, counted in UTF-8", () => {
    expect(rejects(() => parseStream(`${"c".repeat(MAX_CATEGORY_BYTES)}-1`))).toBe(false);
    expect(rejects(() => parseStream(`${"é".repeat(MAX_CATEGORY_BYTES / 2)}-1`))).toBe(false);
    expect(rejects(() => parseStream(`acct-${"i".repeat(MAX_ID_BYTES)}`))).toBe(false);
    expect(rejects(() => parseStream(`acct-${"😀".repeat(MAX_ID_BYTES / 4)}`))).toBe(false);
  });

  it("lets an id hold any character a subject token can, and a category any up to U+FFFF", () => {
    for (const name of [
      "acct-a/b",
      "acct-a\\b",
      "acct-$x",
      "é-ü",
      "acct-😀",
      "acct-\u{3347a}",
      "a$b-1",
      "\u0378-1",
      "\u200b-1",
    ]) {
      expect(
        rejects(() => parseStream(name)),
        name,
      ).toBe(false);
    }
  });

  it("applies the same rules to { category, id } refs", () => {
    expect(rejects(() => parseStream({ category: "$JS", id: "1" }))).toBe(true);
    expect(rejects(() => parseStream({ category: "a/b", id: "1" }))).toBe(true);
    expect(rejects(() => parseStream({ category: "acct", id: "x\u0000" }))).toBe(true);
    expect(rejects(() => parseStream({ category: "acct", id: "i".repeat(MAX_ID_BYTES + 1) }))).toBe(
      true,
    );
  });

  it("names a ref that is neither a string nor { category, id } without calling into it", () => {
    for (const ref of [5, null, undefined, Object.create(null), Symbol("s"), ["a", "1"]]) {
      expect(
        rejects(() => parseTarget(ref as never)),
        String(typeof ref),
      ).toBe(true);
    }
  });

  it("checks the prefix by the category's rules, with InvalidOptionsError", () => {
    for (const prefix of ["app", "app-1", "", "p".repeat(MAX_PREFIX_BYTES)]) {
      expect(checkPrefix(prefix)).toBe(prefix);
    }
    for (const prefix of [
      "a.b",
      "a b",
      "a/b",
      "a\\b",
      "$JS",
      "_INBOX",
      "a\u0001",
      "p".repeat(MAX_PREFIX_BYTES + 1),
      5,
    ]) {
      expect(() => checkPrefix(prefix), JSON.stringify(prefix)).toThrow(InvalidOptionsError);
    }
  });

  it("accepts names any NATS subject token can hold", () => {
    expect(rejects(() => parseStream("account:command+position-123+456"))).toBe(false);
    expect(rejects(() => parseStream("some_category-AbC_9:x"))).toBe(false);
  });
});
