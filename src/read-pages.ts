/** Stream reads come from backends in pages (`Backend.readStreamPages`); most callers want them whole. */
import type { RecordedMessage } from "./message.ts";

/** Every message of `pages`, in order, as one array. */
export async function collectPages(
  pages: AsyncIterable<readonly RecordedMessage[]>,
): Promise<RecordedMessage[]> {
  const messages: RecordedMessage[] = [];
  for await (const page of pages) {
    for (const message of page) messages.push(message);
  }
  return messages;
}
