/** Resident-set-size tracking for W8: peak minus start, sampled while a workload runs. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const SAMPLE_INTERVAL_MS = 10;

// A collection before each run makes "start" comparable between runs. The flag can be set at
// run time; the function then lives in fresh contexts only.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

export interface RssTracker {
  /** Stops sampling; returns peak − start in bytes. */
  stop(): number;
}

export function trackRss(): RssTracker {
  collectGarbage();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - start;
    },
  };
}
