// A Zencastr category with "-" given as a string parses as a stream: the calls that take a
// category say how to pass it.
import { describe, expect, it } from "vitest";
import { connect, isInvalidOptionsError } from "../../src/index.ts";

describe("a category with '-' passed as a string", () => {
  it("readCategory, ensureCategory and deadLetters say to pass { category: … }", async () => {
    const store = await connect("memory:");
    try {
      const errors = [
        await (async () => {
          for await (const _ of store.readCategory("import-podcast:command")) break;
        })().catch((error: unknown) => error),
        await store.ensureCategory("import-podcast:command").catch((error: unknown) => error),
        await store.deadLetters("import-podcast:command").catch((error: unknown) => error),
      ];
      for (const error of errors) {
        expect(isInvalidOptionsError(error)).toBe(true);
        expect(String(error)).toContain('{ category: "import-podcast:command" }');
      }
      await store.write({ category: "import-podcast:command", id: "65a1" }, { type: "Import" });
      const read = [];
      for await (const message of store.readCategory({ category: "import-podcast:command" }))
        read.push(message);
      expect(read.map((message) => message.streamName)).toEqual(["import-podcast:command-65a1"]);
    } finally {
      await store.close();
    }
  });
});
