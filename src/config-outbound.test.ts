import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.js";

describe("outbound timeouts in the configuration", () => {
  it("defaults to 5 s per try and 9 s per call, inside the 12 s turn", () => {
    const config = parseConfig({});
    expect(config.outboundTimeoutMs).toBe(5000);
    expect(config.outboundDeadlineMs).toBe(9000);
  });

  it("never lets the deadline be shorter than one try", () => {
    expect(parseConfig({ OUTBOUND_TIMEOUT_MS: "4000", OUTBOUND_DEADLINE_MS: "1000" }).outboundDeadlineMs).toBe(4000);
  });

  it("refuses values that would outlast the turn, naming the variable", () => {
    expect(() => parseConfig({ OUTBOUND_DEADLINE_MS: "15000" })).toThrow(ConfigError);
    expect(() => parseConfig({ OUTBOUND_DEADLINE_MS: "15000" })).toThrow(
      /OUTBOUND_DEADLINE_MS: must stay under the 12 s turn timeout/,
    );
    expect(() => parseConfig({ OUTBOUND_TIMEOUT_MS: "30000" })).toThrow(/OUTBOUND_TIMEOUT_MS/);
  });
});
