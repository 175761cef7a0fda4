/** Every workload, in the order a run takes them. */
import type { Settings } from "../settings.ts";
import type { Workload } from "./types.ts";
import { w1 } from "./w1-append.ts";
import { w2 } from "./w2-concurrent.ts";
import { readWorkload, w3 } from "./w3-read.ts";
import { w4 } from "./w4-consume.ts";
import { w5 } from "./w5-live.ts";
import { w6Concurrent, w6Read, w6Sequential } from "./w6-memory.ts";

function sizeLabel(messages: number): string {
  if (messages >= 1_000_000 && messages % 1_000_000 === 0) return `${messages / 1_000_000}M`;
  if (messages >= 1000 && messages % 1000 === 0) return `${messages / 1000}k`;
  return `${messages}`;
}

/** W7: W3 at each category size of the run. */
function scaleWorkloads(settings: Settings): Workload[] {
  return settings.categorySizes.map((messages) =>
    readWorkload(
      `W7-${sizeLabel(messages)}`,
      `read one entity among ${messages.toLocaleString("en-US")} messages`,
      (current) => Math.max(1, Math.floor(messages / current.messagesPerEntity)),
      false,
    ),
  );
}

export function workloadsFor(settings: Settings): Workload[] {
  return [w1, w2, w3, w4, w5, w6Sequential, w6Concurrent, w6Read, ...scaleWorkloads(settings)];
}
