/** `mstore categories`: every JetStream stream that holds one of this prefix's categories. */
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import type { CategoryStats } from "../../backend.ts";

// The server reports a never-written stream's first/last time as the zero time.
function timeOf(timestamp: string | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  const time = new Date(timestamp);
  return Number.isNaN(time.getTime()) || time.getUTCFullYear() <= 1 ? undefined : time;
}

/** The category a stream subject of the form `{prefix}.{category}.>` holds, if it is one. */
export function categoryOfSubject(prefix: string, subject: string): string | undefined {
  const head = prefix === "" ? "" : `${prefix}.`;
  if (!subject.startsWith(head) || !subject.endsWith(".>")) return undefined;
  const category = subject.slice(head.length, -2);
  return category.length > 0 && !/[.*>]/.test(category) ? category : undefined;
}

function statsOf(prefix: string, info: StreamInfo): CategoryStats[] {
  const categories = (info.config.subjects ?? [])
    .map((subject) => categoryOfSubject(prefix, subject))
    .filter((category): category is string => category !== undefined);
  return categories.map((category) => ({
    category,
    storage: info.config.name,
    messages: info.state.messages,
    bytes: info.state.bytes,
    firstTime: info.state.messages > 0 ? timeOf(info.state.first_ts) : undefined,
    lastTime: info.state.messages > 0 ? timeOf(info.state.last_ts) : undefined,
  }));
}

export async function listCategories(
  manager: JetStreamManager,
  prefix: string,
): Promise<CategoryStats[]> {
  const found: CategoryStats[] = [];
  for await (const info of manager.streams.list()) found.push(...statsOf(prefix, info));
  return found.sort((a, b) => a.category.localeCompare(b.category));
}
