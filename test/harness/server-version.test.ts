import { describe, expect, it } from "vitest";
import { compareVersions, versionFromOutput } from "../../src/server/server-version.ts";

describe("compareVersions", () => {
  it.each([
    ["2.12.0", "2.12.0", 0],
    ["2.15.1", "2.12.0", 1],
    ["2.9.10", "2.12.0", -1],
    ["v2.12.1", "2.12.0", 1],
    ["3.0.0", "2.99.99", 1],
    ["2.12.0-RC.1", "2.12.0", -1],
    ["2.12.0-RC.2", "2.12.0-RC.1", 1],
    ["nonsense", "2.0.0", -1],
  ])("%s against %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe("versionFromOutput", () => {
  it("reads the version nats-server prints", () => {
    expect(versionFromOutput("nats-server: v2.15.1\n")).toBe("2.15.1");
    expect(versionFromOutput("nats-server: v2.12.0-RC.3")).toBe("2.12.0-RC.3");
    expect(versionFromOutput("command not found")).toBeUndefined();
  });
});
