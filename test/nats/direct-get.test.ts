import type { StoredMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { toStored } from "../../src/backends/nats/direct-get.ts";

describe("a direct get's answer as a stored message", () => {
  it("takes subject, sequence and time from the headers, the last value of each", () => {
    const header = headers();
    header.set("Nats-Stream", "app-acct");
    header.set("Nats-Subject", "app.acct.7.3");
    header.set("Nats-Sequence", "41");
    header.append("Nats-Sequence", "42");
    header.set("Nats-Time-Stamp", "2026-11-25T23:47:43.123456789Z");
    const data = new TextEncoder().encode('{"type":"A"}');
    const stored = toStored("app-acct", { header, data } as unknown as StoredMsg);
    expect(stored).toEqual({
      storage: "app-acct",
      subject: "app.acct.7.3",
      sequence: 42,
      data,
      time: new Date("2026-11-25T23:47:43.123Z"),
      headers: header,
    });
  });
});
