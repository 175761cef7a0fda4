// The conformance suite on the embedded memory backend: the reference every backend matches.
import { expect, it } from "vitest";
import { connect, isClosedError, type MessageStore } from "../../src/index.ts";
import { runConformance } from "../../src/testing/index.ts";
import { valibotKit, zodKit } from "../support/schema-kits.ts";

runConformance({
  name: "memory",
  create: (options) => connect("memory:", options),
  schemaKits: [zodKit, valibotKit],
});

it("memory: `await using` closes the store at the end of the block", async () => {
  let escaped: MessageStore | undefined;
  {
    await using store = await connect("memory:");
    await store.write("account-1", { type: "Opened" });
    escaped = store;
  }
  const error = await escaped.write("account-1", { type: "Late" }).catch((e: unknown) => e);
  expect(isClosedError(error)).toBe(true);
});

it("memory: each connect('memory:') is isolated", async () => {
  const one = await connect("memory:");
  const two = await connect("memory:");
  await one.write("account-1", { type: "Opened" });
  expect(await two.version("account-1")).toBe(-1);
  await Promise.all([one.close(), two.close()]);
});
