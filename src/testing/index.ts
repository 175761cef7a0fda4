/**
 * `message-store/testing`: the one conformance suite every backend runs (DESIGN §4). Call
 * `runConformance` from a vitest file; it registers one describe per contract area. A backend
 * that cannot pass a test lists it under `skip` with a reason, and vitest shows it as skipped.
 *
 * ```ts
 * runConformance({ name: "memory", create: (options) => connect("memory:", options) });
 * ```
 */
import { describe, expect, it } from "vitest";
import { badInputCases } from "./cases/bad-input.ts";
import { causationCases } from "./cases/causation.ts";
import { commandCases } from "./cases/commands.ts";
import { concurrencyCases } from "./cases/concurrency.ts";
import { consumersAtScaleCases } from "./cases/consumers-at-scale.ts";
import { deadLetterCases } from "./cases/dead-letter.ts";
import { deadLetterWorkflowCases } from "./cases/dead-letter-workflow.ts";
import { entityCases } from "./cases/entities.ts";
import { fetchCases } from "./cases/fetch.ts";
import { messageValueCases } from "./cases/message-values.ts";
import { occStormCases } from "./cases/occ-storm.ts";
import { poisonCases } from "./cases/poison.ts";
import { readCases } from "./cases/read.ts";
import { replayCases } from "./cases/replay.ts";
import { retryCases } from "./cases/retry.ts";
import { slowHandlerCases } from "./cases/slow-handler.ts";
import { subscribeCases } from "./cases/subscribe.ts";
import { typedSubscriptionCases } from "./cases/typed-subscriptions.ts";
import { typedWriteCases } from "./cases/typed-writes.ts";
import { upcastingCases } from "./cases/upcasting.ts";
import { waitForCases } from "./cases/wait-for.ts";
import { writeCases } from "./cases/write.ts";
import { type ConformanceOptions, createSuiteContext, type SuiteContext } from "./suite.ts";

export {
  type DataOfFields,
  type FieldKind,
  type Fields,
  plainSchemaKit,
  type SchemaKit,
} from "./schema-kit.ts";
export type { ConformanceOptions, ConformanceSkip } from "./suite.ts";

const AREAS: readonly [string, (context: SuiteContext) => void][] = [
  ["write", writeCases],
  ["concurrency", concurrencyCases],
  ["OCC storm", occStormCases],
  ["read", readCases],
  ["fetch", fetchCases],
  ["subscribe", subscribeCases],
  ["retry", retryCases],
  ["dead letter", deadLetterCases],
  ["poison messages", poisonCases],
  ["slow handlers", slowHandlerCases],
  ["consumers at scale", consumersAtScaleCases],
  ["replay", replayCases],
  ["dead-letter workflow", deadLetterWorkflowCases],
  ["waitFor", waitForCases],
  ["entities", entityCases],
  ["commands", commandCases],
  ["bad input", badInputCases],
  ["typed writes", typedWriteCases],
  ["upcasting", upcastingCases],
  ["typed subscriptions", typedSubscriptionCases],
  ["causation and correlation", causationCases],
  ["message values", messageValueCases],
];

/** Registers the conformance suite for one backend with vitest. */
export function runConformance(options: ConformanceOptions): void {
  describe(`conformance: ${options.name}`, () => {
    const registration = createSuiteContext(options);
    for (const [area, register] of AREAS) {
      describe(area, () => register(registration.context));
    }
    // Checked when it runs: vitest collects nested describes after this callback returns.
    it("every skipped title names a test of the suite", () => {
      expect(registration.unusedSkips()).toEqual([]);
    });
  });
}
