import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/backends/nats/context.ts";
import { decodeStored } from "../../src/backends/nats/decode.ts";
import { createSubjectLayout } from "../../src/backends/nats/subjects.ts";
import { isMalformedMessageError } from "../../src/errors.ts";

const subjects = createSubjectLayout("app");
const time = new Date("2026-01-02T03:04:05Z");

function storedOn(subject: string, sequence: number, body: string): StoredMessage {
  const storage = `app-${subject.split(".")[1]}`;
  const data = new TextEncoder().encode(body);
  return { storage, subject, sequence, data, time, headers: undefined };
}

describe("decoding stored NATS messages", () => {
  it("reads place and id from the subject and body, deriving a stable id when there is none", () => {
    const stored = storedOn("app.account.42.3", 17, '{"type":"Deposited","data":{"amount":5}}');
    const message = decodeStored(subjects, "account", stored, "position");
    expect(message).toMatchObject({
      type: "Deposited",
      data: { amount: 5 },
      metadata: {},
      streamName: "account-42",
      category: "account",
      streamId: "42",
      position: 3,
      globalPosition: 17,
      time,
    });
    expect(decodeStored(subjects, "account", stored, "position").id).toBe(message.id);
    expect(decodeStored(subjects, "account", { ...stored, sequence: 18 }, "position").id).not.toBe(
      message.id,
    );
  });

  it("gives a dead letter its original category, stream and position", () => {
    const deadLetterHeaders = headers();
    deadLetterHeaders.set("Ms-Original-Stream", "import-podcast:command-65a1");
    const message = decodeStored(
      subjects,
      "dlq",
      {
        ...storedOn(
          "app.dlq.import-podcast:command.65a1.4",
          2,
          '{"type":"Import","data":null,"id":"5f0c1c1e-8d1b-4a53-9f7e-0c6a2b9d1e01"}',
        ),
        headers: deadLetterHeaders,
      },
      "position",
    );
    expect(message).toMatchObject({
      id: "5f0c1c1e-8d1b-4a53-9f7e-0c6a2b9d1e01",
      category: "import-podcast:command",
      streamId: "65a1",
      streamName: "import-podcast:command-65a1",
      position: 4,
      globalPosition: 2,
    });
  });

  it("reads a Zencastr dead letter (no headers) in a zencastr-layout category as the original stream's", () => {
    const body = '{"type": "Placed", "data": {"total": 3}}';
    const message = decodeStored(
      subjects,
      "dlq",
      storedOn("app.dlq.orders.7", 5, body),
      "zencastr",
    );
    expect(message).toMatchObject({
      category: "orders",
      streamId: "7",
      streamName: "orders-7",
      position: -1,
      globalPosition: 5,
    });
    // In the position layout the same subject is position 7 of stream dlq-orders.
    const positioned = decodeStored(
      subjects,
      "dlq",
      storedOn("app.dlq.orders.7", 5, body),
      "position",
    );
    expect(positioned).toMatchObject({ streamName: "dlq-orders", position: 7 });
  });

  it("reads an entity's own subject in the zencastr layout as its stream, position unknown", () => {
    const stored = storedOn("app.account.65a1", 9, '{"type": "Opened", "data": {}}');
    expect(decodeStored(subjects, "account", stored, "zencastr")).toMatchObject({
      streamName: "account-65a1",
      position: -1,
    });
  });

  it("refuses a body that is not a JSON object with a string type", () => {
    const stored = storedOn("app.account.1.0", 1, '{"data":1}');
    let error: unknown;
    try {
      decodeStored(subjects, "account", stored, "position");
    } catch (caught) {
      error = caught;
    }
    expect(isMalformedMessageError(error)).toBe(true);
  });
});
