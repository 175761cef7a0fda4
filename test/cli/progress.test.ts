// The progress bar of import and export, drawn on a terminal: its ETA must not guess from
// the first, slow message.
import { describe, expect, it } from "vitest";
import { Progress } from "../../src/cli/progress.ts";

/** A terminal that keeps what was drawn last, and a clock the test moves. */
function terminal() {
  const drawn: string[] = [];
  const stream = {
    isTTY: true,
    write: (text: string | Uint8Array): boolean => {
      drawn.push(String(text));
      return true;
    },
  };
  let now = 0;
  return {
    stream,
    clock: () => now,
    advanceClock: (ms: number) => {
      now += ms;
    },
    last: () => (drawn.at(-1) ?? "").replace("\r\x1b[2K", ""),
  };
}

describe("the progress bar", () => {
  it("shows no ETA until the rate has been measured for a second", () => {
    const tty = terminal();
    const progress = new Progress(tty.stream, "imported", true, tty.clock);
    // Connecting and the first write take 300 ms; the file is 10,000 lines.
    tty.advanceClock(300);
    progress.advance(1, 1 / 10_000);
    expect(tty.last()).toMatch(/^\[-+\] {2}imported 1 {2}\d+\/s$/);
    // Then 1,000 lines a second: after 1.2 s, 1,200 more of the remaining 9,999.
    for (let step = 1; step <= 12; step++) {
      tty.advanceClock(100);
      progress.advance(100, (1 + step * 100) / 10_000);
    }
    expect(tty.last()).toMatch(/ETA (8|9)s$/);
  });

  it("draws nothing when the stream is not a terminal", () => {
    const tty = terminal();
    tty.stream.isTTY = false;
    const progress = new Progress(tty.stream, "exported", true, tty.clock);
    tty.advanceClock(2000);
    progress.advance(1, 0.5);
    expect(tty.last()).toBe("");
  });
});
