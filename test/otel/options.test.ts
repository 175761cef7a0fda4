// Bad instrumentation options fail at once with a typed error; the core never loads OpenTelemetry.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connect, isInvalidOptionsError, type MessageStoreOptions } from "../../src/index.ts";
import { type OtelOptions, otelInstrumentation } from "../../src/otel/index.ts";

/** Bad input as a caller without types would pass it. */
const untyped = <T>(value: unknown): T => value as T;

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("instrumentation options", () => {
  it("refuses an instrumentation without the hook's methods", async () => {
    const options = untyped<MessageStoreOptions>({ instrumentation: { write: () => undefined } });
    const error = await connect("memory:", options).catch((thrown: unknown) => thrown);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String(error)).toMatch(
      /instrumentation must have the methods write, consumer, fetch, load, command; missing: consumer, fetch, load, command/,
    );
  });

  it("refuses an unknown propagation choice and unknown keys", () => {
    const badChoice = untyped<OtelOptions>({ propagation: { acct: "body" } });
    expect(() => otelInstrumentation(badChoice)).toThrow(/propagation of acct must be/);
    const unknownKey = untyped<OtelOptions>({ tracer: {} });
    expect(() => otelInstrumentation(unknownKey)).toThrow(
      expect.objectContaining({ name: "InvalidOptionsError" }),
    );
    const badZencastr = untyped<OtelOptions>({ zencastr: "yes" });
    expect(() => otelInstrumentation(badZencastr)).toThrow(/zencastr must be a boolean/);
  });

  it("keeps @opentelemetry out of everything but src/otel", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles("src")) {
      if (file.startsWith(join("src", "otel"))) continue;
      if ((await readFile(file, "utf8")).includes("@opentelemetry/")) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
