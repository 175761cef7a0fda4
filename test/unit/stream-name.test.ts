import { describe, expect, it } from "vitest";
import { isInvalidStreamNameError } from "../../src/errors.ts";
import {
  cardinalId,
  category,
  categoryTypes,
  id,
  isCategory,
  streamName,
} from "../../src/index.ts";
import { parseStream, parseTarget } from "../../src/stream-name.ts";

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

  it("accepts names any NATS subject token can hold", () => {
    expect(rejects(() => parseStream("account:command+position-123+456"))).toBe(false);
    expect(rejects(() => parseStream("some_category-AbC_9:x"))).toBe(false);
  });
});
