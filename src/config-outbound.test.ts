import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("outbound timeouts in the configuration", () => {
  it("defaults to 5 s per try and 9 s per call, inside the 12 s turn", () => {
    const config = parseConfig({});
    expect(config.outboundTimeoutMs).toBe(5000);
    expect(config.outboundDeadlineMs).toBe(9000);
  });

  it("never lets the deadline be shorter than one try", () => {
    expect(parseConfig({ OUTBOUND_TIMEOUT_MS: "4000", OUTBOUND_DEADLINE_MS: "1000" }).outboundDeadlineMs).toBe(4000);
  });
});
