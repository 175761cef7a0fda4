/** `mstore categories`: every JetStream stream that holds one of this prefix's categories. */
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import type { CategoryStats } from "../../backend.ts";
import type { SubjectLayout } from "./subjects.ts";

// The server reports a never-written stream's first/last time as the zero time.
function timeOf(timestamp: string | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  const time = new Date(timestamp);
  return Number.isNaN(time.getTime()) || time.getUTCFullYear() <= 1 ? undefined : time;
}

function statsOf(subjects: SubjectLayout, info: StreamInfo): CategoryStats[] {
  const categories = (info.config.subjects ?? [])
    .map((subject) => subjects.categoryOfFilter(subject))
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
  subjects: SubjectLayout,
): Promise<CategoryStats[]> {
  const found: CategoryStats[] = [];
  for await (const info of manager.streams.list()) found.push(...statsOf(subjects, info));
  return found.sort((a, b) => a.category.localeCompare(b.category));
}
