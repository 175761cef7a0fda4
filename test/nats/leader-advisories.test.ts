/**
 * A consume listens for JetStream's advisory that its consumer has a new leader
 * (leader-elections.ts). The cluster proofs (test/cluster) show it reopening on one; here, a
 * user who may not subscribe to `$JS.EVENT` still has its messages handled, and the log says
 * that only heartbeats will tell of a new leader.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { leaderElectedSubject } from "../../src/backends/nats/leader-elections.ts";
import { connect } from "../../src/index.ts";
import { type RunningNatsServer, startNatsServer } from "../../src/server/run-nats-server.ts";
import { eventually } from "../../src/testing/helpers.ts";
import { hasNats, natsSkipReason, uniquePrefix } from "../support/nats.ts";
import { recordingLogger } from "../support/recording-logger.ts";

const NO_ADVISORIES_CONFIG = `
jetstream {}
authorization {
  users = [
    { user: app, password: app-secret, permissions: { subscribe: { deny: ["$JS.EVENT.>"] } } }
  ]
}
`;

describe("the leader advisory's subject", () => {
  it("is JetStream's, per stream and consumer", () => {
    expect(leaderElectedSubject("acct", "projector")).toBe(
      "$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.acct.projector",
    );
  });
});

describe.skipIf(!hasNats())(`a user who may not hear advisories ${natsSkipReason()}`, () => {
  let server: RunningNatsServer;
  beforeAll(async () => {
    server = await startNatsServer({
      binary: inject("natsServerBin"),
      config: NO_ADVISORIES_CONFIG,
    });
  });
  afterAll(() => server?.stop());

  it("still has its messages handled, and the log says heartbeats tell of a new leader", async () => {
    const logger = recordingLogger();
    const store = await connect(server.url, {
      user: "app",
      password: "app-secret",
      prefix: uniquePrefix("advisory"),
      logger,
    });
    try {
      await store.write("acct-1", { type: "Opened" });
      const handled: string[] = [];
      const subscription = store.subscribe("acct", {
        consumer: "projector",
        handlers: { Opened: (message) => void handled.push(message.streamName) },
      });
      await subscription.start();
      await store.write("acct-2", { type: "Opened" });
      await eventually(
        "both messages handled and the refusal logged",
        () =>
          handled.length === 2 &&
          logger.entries.some((entry) => /no consumer leader advisories/.test(entry.message ?? "")),
      );
      expect(handled).toEqual(["acct-1", "acct-2"]);
      expect(logger.entries.map((entry) => entry.message)).toContainEqual(
        expect.stringMatching(/no consumer leader advisories; heartbeats tell/),
      );
      await subscription.stop();
    } finally {
      await store.close();
    }
  });
});
