/** Every workload, in the order a run takes them. */
import { type Settings, sizeLabel } from "../settings.ts";
import type { Workload } from "./types.ts";
import { w1 } from "./w1-append.ts";
import { w2 } from "./w2-concurrent.ts";
import { readWorkload, w3 } from "./w3-read.ts";
import { w4 } from "./w4-consume.ts";
import { w5 } from "./w5-live.ts";
import { w6Concurrent, w6Read, w6Sequential } from "./w6-memory.ts";
import { w9 } from "./w9-concurrency.ts";
import { w10Consume, w10Write } from "./w10-typed.ts";
import { w10 } from "./w11-entities.ts";

/** W7: W3 at each category size of the run, except W3's own size, which W3 has measured. */
function scaleWorkloads(settings: Settings): Workload[] {
  const readSize = settings.entities * settings.messagesPerEntity;
  const sizes = settings.categorySizes.filter((messages) => messages !== readSize);
  return sizes.map((messages) =>
    readWorkload(
      `W7-${sizeLabel(messages)}`,
      `read one entity among ${messages.toLocaleString("en-US")} messages`,
      (current) => Math.max(1, Math.floor(messages / current.messagesPerEntity)),
      false,
    ),
  );
}

export function workloadsFor(settings: Settings): Workload[] {
  return [
    w1,
    w2,
    w3,
    w4,
    w5,
    w6Sequential,
    w6Concurrent,
    w6Read,
    w9,
    w10Write,
    w10Consume,
    ...w10,
    ...scaleWorkloads(settings),
  ];
}
