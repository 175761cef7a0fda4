import { describe, expect, it } from "vitest";
import { SettledSequences } from "../../src/backends/nats/settled-sequences.ts";

describe("SettledSequences", () => {
  it("remembers four batches' worth of sequences, forgetting the oldest first", () => {
    const settled = new SettledSequences(1000);
    for (let sequence = 1; sequence <= 4001; sequence += 1) settled.add(sequence);
    expect(settled.has(1)).toBe(false);
    expect(settled.has(2)).toBe(true);
    expect(settled.has(4001)).toBe(true);
    expect(settled.has(4002)).toBe(false);
  });

  it("remembers at least 1024 sequences however small the batch", () => {
    const settled = new SettledSequences(1);
    for (let sequence = 1; sequence <= 1025; sequence += 1) settled.add(sequence);
    expect([settled.has(1), settled.has(2), settled.has(1025)]).toEqual([false, true, true]);
  });
});
