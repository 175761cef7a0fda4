// `mstore dlq list` on a dead-letter category holding both a Zencastr dead letter (the body
// alone, no headers) and one of ours, through the built binary.
import { connect as natsConnect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/index.ts";
import { eventually } from "../../src/testing/helpers.ts";
import { ZencastrClient } from "../nats/zencastr-client.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";
import { cleanEnv, parseLines, runCli } from "./run-cli.ts";

describe.skipIf(!hasNats())(
  "mstore dlq list with Zencastr's dead letters",
  { timeout: 120_000 },
  () => {
    it("lists a Zencastr dead letter with what is unknown said so, and ours with the original's time", async () => {
      const prefix = uniquePrefix("cli_zdlq");
      const raw = await natsConnect({ servers: natsUrl() });
      const store = await connect(natsUrl(), { prefix });
      try {
        const zencastr = new ZencastrClient(raw, prefix);
        await zencastr.ensureStream("dlq");
        // What a Zencastr subscription publishes when it gives up on `orders.7`.
        await raw.request(
          `${prefix}.dlq.orders.7`,
          new TextEncoder().encode('{"type": "Placed", "data": {"total": 3}}'),
          { timeout: 5000 },
        );
        const subscription = store.subscribe("job", {
          consumer: "worker",
          maxAttempts: 1,
          deadLetter: "dlq",
          handlers: {
            Job: () => {
              throw new Error("job failed");
            },
          },
        });
        await subscription.start();
        await store.write("job-1", { type: "Job", data: 1 });
        await eventually(
          "our dead letter",
          async () => (await store.deadLetters("dlq")).length === 2,
        );
        await subscription.stop();
        const [original] = await store.get("job-1");

        const env = cleanEnv({ MESSAGE_STORE_URL: natsUrl(), MESSAGE_STORE_PREFIX: prefix });
        const table = await runCli(["dlq", "list", "dlq"], { env });
        expect(table.code).toBe(0);
        const rows = table.stdout.trimEnd().split("\n");
        expect(rows[1]).toMatch(
          /^\s*\d+\s+\S+\s+\(unknown\)\s+orders-7\s+Placed\s+unknown\s+\(unknown\)\s*$/,
        );
        expect(rows[2]).toMatch(
          /^\s*\d+\s+\S+\s+worker\s+job-1\/0\s+Job\s+failed\s+1\s+job failed$/,
        );

        const listed = parseLines((await runCli(["--json", "dlq", "list", "dlq"], { env })).stdout);
        expect(listed[0]).toMatchObject({
          consumer: null,
          attempts: null,
          reason: "unknown",
          originalSequence: null,
          streamName: "orders-7",
          message: { type: "Placed", streamName: "orders-7", category: "orders", streamId: "7" },
        });
        expect(listed[1]).toMatchObject({
          consumer: "worker",
          message: { type: "Job", time: original?.time.toISOString() },
        });
      } finally {
        await store.close();
        await raw.close();
      }
    });
  },
);
