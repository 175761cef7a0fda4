import { describe, expect, it } from "vitest";
import { classifyPublishFailure } from "../../src/backends/nats/jetstream-errors.ts";
import { isStreamFullError, isStreamNotFoundError } from "../../src/errors.ts";

describe("JetStream error translation", () => {
  it("tells a taken position from a full stream, though both are 10077", () => {
    const taken = classifyPublishFailure("app-acct", {
      code: 503,
      err_code: 10077,
      description: "maximum messages per subject exceeded",
    });
    expect(taken.kind).toBe("conflict");
    const full = classifyPublishFailure("app-acct", {
      code: 503,
      err_code: 10077,
      description: "maximum bytes exceeded",
    });
    expect(full.kind === "error" && isStreamFullError(full.error)).toBe(true);
  });

  it("treats a wrong last subject sequence as a conflict and a missing stream as StreamNotFoundError", () => {
    expect(
      classifyPublishFailure("s", {
        code: 400,
        err_code: 10071,
        description: "wrong last sequence: 3",
      }).kind,
    ).toBe("conflict");
    const missing = classifyPublishFailure("s", {
      code: 404,
      err_code: 10059,
      description: "stream not found",
    });
    expect(missing.kind === "error" && isStreamNotFoundError(missing.error)).toBe(true);
  });
});
