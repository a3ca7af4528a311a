import fc from "fast-check";
import metadata from "libphonenumber-js/min/metadata";
import { describe, expect, it } from "vitest";
import { E164, libphoneSplit, quickSplit, splitPhone } from "./phone.js";

// The quick split must answer exactly as libphonenumber does (calling code, national number, country), for every
// number it answers at all; when it declines, splitPhone asks libphonenumber.
const CALLING_CODES = Object.keys(metadata.country_calling_codes);

/** Numbers as the tests and the benchmark write them, and the shared calling codes' harder cases. */
const KNOWN = [
  "+14155550100",
  "+14155551234",
  "+16500000001",
  "+16505550123",
  "+12025550123",
  "+18005550000",
  "+18885550100",
  "+17875551234", // Puerto Rico
  "+14165551234", // Canada
  "+12425551234", // Bahamas
  "+19005550100",
  "+15005550006",
  "+15551234567",
  "+447700900123",
  "+447911123456",
  "+442071234567",
  "+441481123456", // Guernsey
  "+441534123456", // Jersey
  "+34612345678",
  "+351912345678",
  "+5511987654321",
  "+491701234567",
  "+33612345678",
  "+79161234567",
  "+77011234567", // Kazakhstan
  "+78001234567",
  "+61412345678",
  "+61891621234", // Christmas Island
  "+262692123456", // Mayotte
  "+590690001234",
  "+80012345678",
  "+8821234567",
  "+1234567",
  "+999123456789",
];

describe("splitPhone", () => {
  it("answers the known numbers as libphonenumber does", () => {
    for (const phone of KNOWN) {
      expect(splitPhone(phone), phone).toEqual(libphoneSplit(phone));
      const quick = quickSplit(phone);
      if (quick) expect(quick, phone).toEqual(libphoneSplit(phone));
    }
    // The benchmark's and most tests' numbers never need libphonenumber.
    expect(quickSplit("+16500000001")).not.toBeNull();
    expect(quickSplit("+14155550100")).not.toBeNull();
  });

  it("answers any E.164 number under any calling code as libphonenumber does", () => {
    const e164 = fc
      .tuple(fc.constantFrom(...CALLING_CODES), fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 14 }))
      .map(([code, digits]) => `+${code}${digits}`.slice(0, 16))
      .filter((phone) => E164.test(phone));
    fc.assert(
      fc.property(e164, (phone) => {
        const quick = quickSplit(phone);
        if (quick) expect(quick).toEqual(libphoneSplit(phone));
      }),
      { numRuns: 30_000 },
    );
  });

  it("answers the shared calling codes' numbers as libphonenumber does, at their usual lengths", () => {
    const shared = CALLING_CODES.filter((code) => (metadata.country_calling_codes[code]?.length ?? 0) > 1);
    const e164 = fc
      .tuple(
        fc.constantFrom(...shared),
        fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 6, maxLength: 11 }),
      )
      .map(([code, digits]) => `+${code}${digits}`)
      .filter((phone) => E164.test(phone));
    let quick = 0;
    fc.assert(
      fc.property(e164, (phone) => {
        const split = quickSplit(phone);
        if (split) {
          quick++;
          expect(split).toEqual(libphoneSplit(phone));
        }
      }),
      { numRuns: 30_000 },
    );
    expect(quick).toBeGreaterThan(15_000);
  });
});
