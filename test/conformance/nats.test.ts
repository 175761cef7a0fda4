// The conformance suite on NATS JetStream: every store gets a prefix of its own on the shared server.
import { describe, it } from "vitest";
import { connect } from "../../src/index.ts";
import { runConformance } from "../../src/testing/index.ts";
import { hasNats, natsSkipReason, natsUrl, uniquePrefix } from "../support/nats.ts";

// In CI the global setup already failed the run when there is no server.
if (hasNats()) {
  runConformance({
    name: "nats",
    create: (options) => connect(natsUrl(), { ...options, prefix: uniquePrefix("conf") }),
  });
} else {
  describe("conformance: nats", () => {
    it.skip(`needs a nats-server: ${natsSkipReason()}`, () => {});
  });
}
