import { describe, expect, it } from "vitest";
import { createSubjectLayout } from "../../src/backends/nats/subjects.ts";
import { parseStream, parseTarget } from "../../src/stream-name.ts";

describe("NATS subject layout", () => {
  const prefixed = createSubjectLayout("app");
  const bare = createSubjectLayout("");
  const stream = parseStream({ category: "import-podcast:command", id: "65a1" });

  it("names streams and subjects with and without a prefix", () => {
    expect(prefixed.storageName("account")).toBe("app-account");
    expect(bare.storageName("account")).toBe("account");
    expect(prefixed.categoryFilter("account")).toBe("app.account.>");
    expect(bare.categoryFilter("account")).toBe("account.>");
    expect(prefixed.positionSubject(stream, 7)).toBe("app.import-podcast:command.65a1.7");
    expect(bare.positionWildcard(stream)).toBe("import-podcast:command.65a1.*");
    expect(prefixed.targetFilters(parseTarget("account-1"))).toEqual([
      "app.account.1",
      "app.account.1.>",
    ]);
    expect(prefixed.deadLetterSubject("dlq", "app.account.1.3")).toBe("app.dlq.account.1.3");
  });

  it("reads positions back, -1 for other writers' subjects", () => {
    expect(prefixed.parse("account", "app.account.1.12")).toEqual({ id: "1", position: 12 });
    expect(prefixed.parse("account", "app.account.1")).toEqual({ id: "1", position: -1 });
    expect(prefixed.parse("account", "app.account.1.x")).toEqual({ id: "1", position: -1 });
    expect(prefixed.parse("account", "app.account.1.01")).toEqual({ id: "1", position: -1 });
    expect(bare.parse("account", "account.1.2.3")).toEqual({ id: "1", position: -1 });
  });
});
