import { describe, expect, it } from "vitest";
import { isReplicasUnavailableError } from "../../src/errors.ts";
import { hasNats, natsSkipReason } from "../support/nats.ts";
import { useNatsTestBed } from "./nats-helpers.ts";

describe.skipIf(!hasNats())(`replicas a single server cannot hold ${natsSkipReason()}`, () => {
  const bed = useNatsTestBed("replicas");

  it("fail a write with ReplicasUnavailableError, not JetStream's raw 10074", async () => {
    const store = await bed.open({ replicas: 3 });
    const failure = await store.write("acct-1", { type: "Opened" }).catch((error) => error);
    expect(isReplicasUnavailableError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: "REPLICAS_UNAVAILABLE", replicas: 3 });
    expect(failure.message).toMatch(/without a cluster; use replicas 1/);
    await expect(bed.raw().manager.streams.names().next()).resolves.not.toContain(
      `${store.options.prefix}-acct`,
    );
  });

  it("fail ensureCategory the same way", async () => {
    const store = await bed.open();
    await expect(store.ensureCategory("acct", { replicas: 2 })).rejects.toMatchObject({
      name: "ReplicasUnavailableError",
      stream: `${store.options.prefix}-acct`,
    });
  });
});
