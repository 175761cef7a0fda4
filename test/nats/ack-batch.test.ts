import type { JsMsg } from "@nats-io/jetstream";
import { NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { AckBatch, type Publish } from "../../src/backends/nats/ack-batch.ts";
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

function publisher(log: string[]): Publish {
  return (subject) => void log.push(`resend ${subject}`);
}

describe("AckBatch", () => {
  it("sends a turn's acks together, confirming only the last one through the requester", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const batch = new AckBatch(requester(log), publisher(log), 1000, (error) => errors.push(error));
    for (const name of ["a", "b", "c"]) batch.add(message(log, name, `$JS.ACK.${name}`));
    expect(log).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["ack a", "ack b", "confirm $JS.ACK.c"]);
    expect(errors).toEqual([]);
  });

  it("falls back to nats.js ackAck() when a message does not show its reply subject", async () => {
    const log: string[] = [];
    const batch = new AckBatch(requester(log), publisher(log), 1000, () => {});
    batch.add(message(log, "a", undefined));
    await batch.flush();
    expect(log).toEqual(["ackAck a"]);
  });

  it("reports acks that cannot be sent (a closed connection) instead of throwing from its timer", async () => {
    const errors: unknown[] = [];
    const batch = new AckBatch(requester([]), publisher([]), 1000, (error) => errors.push(error));
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
    const batch = new AckBatch(failing, publisher([]), 1000, (error) => errors.push(error));
    batch.add(message([], "a", "$JS.ACK.a"));
    await batch.flush();
    expect(errors).toHaveLength(1);
  });

  it("sends a batch again and asks again when its confirmation gets no answer (a new consumer leader)", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const answers = [new TimeoutError(), new NoRespondersError("$JS.ACK.c")];
    const flaky = {
      request: async (subject: string) => {
        log.push(`confirm ${subject}`);
        const failure = answers.shift();
        if (failure !== undefined) throw failure;
        return {};
      },
    } as unknown as Requester;
    const batch = new AckBatch(flaky, publisher(log), 5000, (error) => errors.push(error));
    for (const name of ["a", "b", "c"]) batch.add(message(log, name, `$JS.ACK.${name}`));
    await batch.flush();
    expect(log).toEqual([
      "ack a",
      "ack b",
      "confirm $JS.ACK.c",
      "resend $JS.ACK.a",
      "resend $JS.ACK.b",
      "confirm $JS.ACK.c",
      "resend $JS.ACK.a",
      "resend $JS.ACK.b",
      "confirm $JS.ACK.c",
    ]);
    expect(errors).toEqual([]);
  });

  it("gives a batch up and reports it once the timeout has passed without a confirmation", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const silent = {
      request: async () => {
        throw new NoRespondersError("$JS.ACK.b");
      },
    } as unknown as Requester;
    const batch = new AckBatch(silent, publisher(log), 700, (error) => errors.push(error));
    batch.add(message(log, "a", "$JS.ACK.a"));
    batch.add(message(log, "b", "$JS.ACK.b"));
    const started = Date.now();
    await batch.flush();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(log.filter((line) => line === "resend $JS.ACK.a").length).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(NoRespondersError);
  });

  it("makes a flush wait for an earlier batch that is still being confirmed", async () => {
    const log: string[] = [];
    let answerFirst: () => void = () => {};
    const slowFirst = {
      request: (subject: string) => {
        log.push(`confirm ${subject}`);
        if (subject !== "$JS.ACK.a") return Promise.resolve({});
        return new Promise((resolve) => {
          answerFirst = () => resolve({});
        });
      },
    } as unknown as Requester;
    const batch = new AckBatch(slowFirst, publisher(log), 5000, () => {});
    batch.add(message(log, "a", "$JS.ACK.a"));
    void batch.flush();
    batch.add(message(log, "b", "$JS.ACK.b"));
    let flushed = false;
    const second = batch.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).toBe(false);
    answerFirst();
    await second;
    expect(flushed).toBe(true);
  });
});
