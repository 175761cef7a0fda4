import { describe, expect, it } from "vitest";
import { ReadyLanes } from "../../src/subscribe/ready-lanes.ts";

describe("ReadyLanes", () => {
  it("hands lanes out oldest head first, whatever order they became ready in", () => {
    const ready = new ReadyLanes();
    const arrivals = [42, 7, 19, 3, 88, 15, 61, 0, 27];
    for (const arrival of arrivals) ready.add(`lane-${arrival}`, arrival);
    const taken: string[] = [];
    for (let lane = ready.takeOldest(); lane !== undefined; lane = ready.takeOldest()) {
      taken.push(lane);
    }
    const expected = [...arrivals].sort((a, b) => a - b).map((arrival) => `lane-${arrival}`);
    expect(taken).toEqual(expected);
    expect(ready.size).toBe(0);
  });

  it("keeps a lane once while it is ready, and takes it again after it was taken", () => {
    const ready = new ReadyLanes();
    ready.add("a", 5);
    ready.add("a", 1);
    ready.add("b", 3);
    expect(ready.size).toBe(2);
    expect(ready.takeOldest()).toBe("b");
    ready.add("b", 9);
    expect(ready.takeAll()).toEqual(["a", "b"]);
    expect(ready.takeOldest()).toBeUndefined();
  });
});
