import type { JsMsg } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { AckBatch } from "../../src/backends/nats/ack-batch.ts";
import type { Requester } from "../../src/backends/nats/requester.ts";

/** Records what happened to each message; only the calls AckBatch makes are present. */
function message(log: string[], name: string, reply: string | undefined): JsMsg {
  return {
    reply,
    ack: () => void log.push(`ack ${name}`),
    ackAck: async () => {
      log.push(`ackAck ${name}`);
      return true;
    },
  } as unknown as JsMsg;
}

function requester(log: string[]): Requester {
  return {
    request: async (subject: string) => {
      log.push(`confirm ${subject}`);
      return {};
    },
  } as unknown as Requester;
}

describe("AckBatch", () => {
  it("sends a turn's acks together, confirming only the last one through the requester", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const batch = new AckBatch(requester(log), 1000, (error) => errors.push(error));
    for (const name of ["a", "b", "c"]) batch.add(message(log, name, `$JS.ACK.${name}`));
    expect(log).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["ack a", "ack b", "confirm $JS.ACK.c"]);
    expect(errors).toEqual([]);
  });

  it("falls back to nats.js ackAck() when a message does not show its reply subject", async () => {
    const log: string[] = [];
    const batch = new AckBatch(requester(log), 1000, () => {});
    batch.add(message(log, "a", undefined));
    await batch.flush();
    expect(log).toEqual(["ackAck a"]);
  });

  it("reports acks that cannot be sent (a closed connection) instead of throwing from its timer", async () => {
    const errors: unknown[] = [];
    const batch = new AckBatch(requester([]), 1000, (error) => errors.push(error));
    const closed = {
      reply: "$JS.ACK.a",
      ack: () => {
        throw new Error("closed connection");
      },
    } as unknown as JsMsg;
    batch.add(closed);
    batch.add(message([], "b", "$JS.ACK.b"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
  });

  it("reports a confirmation that fails instead of throwing", async () => {
    const failing = {
      request: async () => {
        throw new Error("timeout");
      },
    } as unknown as Requester;
    const errors: unknown[] = [];
    const batch = new AckBatch(failing, 1000, (error) => errors.push(error));
    batch.add(message([], "a", "$JS.ACK.a"));
    await batch.flush();
    expect(errors).toHaveLength(1);
  });
});
