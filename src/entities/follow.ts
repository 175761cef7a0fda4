/**
 * The metadata an event written for a command carries: the command's id (what makes
 * commands idempotent, see `command-window.ts`), and Eventide's causation and correlation
 * keys when the command is a recorded message.
 */
import type { Message, Metadata, RecordedMessage } from "../message.ts";
import { CAUSATION_ID_KEY } from "./command-window.ts";

/** Eventide's keys (Message DB uses the same), copied from a command that was read from a stream. */
const CORRELATION_KEYS = ["correlationStreamName", "replyStreamName"] as const;

function isRecorded(command: Message | RecordedMessage): command is RecordedMessage {
  return (
    "streamName" in command &&
    typeof command.streamName === "string" &&
    "position" in command &&
    typeof command.position === "number"
  );
}

/** What every event written for `command` gets in its metadata; `commandId` names the command. */
export function followCommand(
  command: Message | RecordedMessage,
  commandId: string | undefined,
): Metadata {
  const followed: Metadata = {};
  const metadata = command.metadata ?? {};
  for (const key of CORRELATION_KEYS) {
    if (typeof metadata[key] === "string") followed[key] = metadata[key];
  }
  if (isRecorded(command)) {
    followed.causationMessageStreamName = command.streamName;
    followed.causationMessagePosition = command.position;
    followed.causationMessageGlobalPosition = command.globalPosition;
  }
  if (commandId !== undefined) followed[CAUSATION_ID_KEY] = commandId;
  return followed;
}
