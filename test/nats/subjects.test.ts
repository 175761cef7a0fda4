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
    expect(prefixed.parse("account", "app.account.1.12")).toEqual({
      id: "1",
      position: 12,
      tokens: ["1", "12"],
    });
    expect(prefixed.parse("account", "app.account.1")).toMatchObject({ id: "1", position: -1 });
    expect(prefixed.parse("account", "app.account.1.x")).toMatchObject({ id: "1", position: -1 });
    expect(prefixed.parse("account", "app.account.1.01")).toMatchObject({ id: "1", position: -1 });
    expect(bare.parse("account", "account.1.2.3")).toEqual({
      id: "1",
      position: -1,
      tokens: ["1", "2", "3"],
    });
    expect(prefixed.parse("account", "app.other.1.2")).toEqual({
      id: undefined,
      position: -1,
      tokens: [],
    });
  });

  it("writes the zencastr layout to the entity's own subject, the position layout to a position subject", () => {
    expect(prefixed.writeSubject("zencastr", stream, 3)).toBe("app.import-podcast:command.65a1");
    expect(bare.writeSubject("zencastr", stream, 0)).toBe("import-podcast:command.65a1");
    expect(prefixed.writeSubject("position", stream, 3)).toBe("app.import-podcast:command.65a1.3");
  });

  it("builds every head from the one prefix rule: categories, re-drives, Zencastr's names", () => {
    for (const [layout, head] of [
      [prefixed, "app."],
      [bare, ""],
    ] as const) {
      expect(layout.categoryRoot("dlq")).toBe(`${head}dlq.`);
      expect(layout.redriveRoot("dlq")).toBe(`${head}dlq._redrive.`);
      expect(layout.redriveSubject("dlq", "worker", 41, "account.1.3")).toBe(
        `${head}dlq._redrive.worker.41.account.1.3`,
      );
      expect(layout.withPrefix("account.1")).toBe(`${head}account.1`);
      expect(layout.withoutPrefix(`${head}account.1`)).toBe("account.1");
      expect(layout.categoryOfFilter(`${head}account.>`)).toBe("account");
      expect(layout.categoryOfFilter(`${head}account.*`)).toBeUndefined();
      expect(layout.categoryOfFilter(`${head}a.b.>`)).toBeUndefined();
    }
    expect(prefixed.categoryOfFilter("other.account.>")).toBeUndefined();
  });
});
