/**
 * A `Delivery` that records how it was settled, for testing dispatch rules without a
 * backend. Only our own interface is stood in for here; NATS behaviour is tested on a server.
 */
import type { DeadLetter, Delivery } from "../../src/backend.ts";
import { MalformedMessageError } from "../../src/errors.ts";
import type { RecordedMessage } from "../../src/message.ts";

export type Settlement = { kind: "ack" } | { kind: "nak"; delayMs: number } | { kind: "term" };

export interface RecordingDelivery extends Delivery {
  readonly settlements: Settlement[];
  inProgressCount: number;
}

export function recordedMessage(type: string, position = 0): RecordedMessage {
  return {
    id: "3f1e2a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
    type,
    data: { n: position },
    metadata: {},
    streamName: "acct-1",
    category: "acct",
    streamId: "1",
    position,
    globalPosition: position + 1,
    time: new Date(0),
  };
}

export function recordingDelivery(
  message: RecordedMessage | undefined,
  deliveryCount: number,
): RecordingDelivery {
  const settlements: Settlement[] = [];
  const delivery: RecordingDelivery = {
    message,
    error: message === undefined ? new MalformedMessageError("body is not JSON") : undefined,
    raw: {
      storage: "acct",
      sequence: message?.globalPosition ?? 7,
      body: new TextEncoder().encode("x"),
      destination: "acct-1",
      handle: undefined,
    },
    deliveryCount,
    settlements,
    inProgressCount: 0,
    async ack() {
      settlements.push({ kind: "ack" });
    },
    nak(delayMs) {
      settlements.push({ kind: "nak", delayMs });
    },
    term() {
      settlements.push({ kind: "term" });
    },
    inProgress() {
      delivery.inProgressCount += 1;
    },
  };
  return delivery;
}

/** A `deadLetter` that keeps what it was given. */
export function deadLetterRecorder(): {
  letters: DeadLetter[];
  deadLetter(letter: DeadLetter): Promise<void>;
} {
  const letters: DeadLetter[] = [];
  return {
    letters,
    async deadLetter(letter) {
      letters.push(letter);
    },
  };
}
