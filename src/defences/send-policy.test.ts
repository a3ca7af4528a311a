import { describe, expect, it } from "vitest";
import { describeTarget, isAllowedBy, staticRefusal } from "./send-policy.js";

describe("which numbers may be sent a code at all", () => {
  it.each([
    ["+14155550123", ["US"], null],
    ["+4915112345678", ["US", "DE"], null],
    ["+4915112345678", ["US"], "country"],
    ["+19005551234", ["US"], "number_type"], // premium rate
    ["+448431234567", ["GB"], "number_type"], // shared cost (UK 084x)
    ["+18005551212", ["US"], "number_type"], // toll free
    ["+15005550006", ["US"], "number_type"], // personal number, not a line
    ["+15551234567", null, "number_type"], // not a number at all
    ["+15551234567", ["US"], "country"], // no country to place it in
  ])("%s with allowed countries %j: %s", (phone, countries, refusal) => {
    expect(staticRefusal(describeTarget(phone), countries)).toBe(refusal);
  });

  it("keeps a prefix (the number less its last 4 digits), never needing the number", () => {
    expect(describeTarget("+447700900123")).toMatchObject({ prefix: "+44770090" });
    expect(describeTarget("+14155550123")).toMatchObject({ prefix: "+1415555", country: "US" });
  });

  it("an allowance covers the number it names and every number its prefix begins", () => {
    expect(isAllowedBy("+14155550123", "+14155550123")).toBe(true);
    expect(isAllowedBy("+14155550123", "+1415555")).toBe(true);
    expect(isAllowedBy("+14155550123", "+1415556")).toBe(false);
  });
});
