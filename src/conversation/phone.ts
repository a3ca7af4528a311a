import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { type Language, languageForCountry } from "../i18n/languages.js";

/** E.164 as Twilio writes `From`: a plus, a country code, up to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export interface PhoneParts {
  /** Country calling code without "+", e.g. "1" or "351" (the tutorial's country_code). */
  countryCode: string;
  /** The number without its country code (the tutorial's phone_number). */
  nationalNumber: string;
  /** ISO country, when the number maps to one; used for the locale of code messages. */
  country: string | null;
}

/**
 * Parsed numbers, kept: a turn asks several times (its language, the user row), and libphonenumber's parse was 5% of
 * a turn's CPU. Bounded; past the bound it starts over (cheap: a miss only parses again).
 */
const parts = new Map<string, PhoneParts>();
const PARTS_KEPT = 10_000;

/** Splits an E.164 number; numbers libphonenumber cannot place fall back to a best effort on the digits. */
export function splitPhone(e164: string): PhoneParts {
  let split = parts.get(e164);
  if (split === undefined) {
    if (parts.size >= PARTS_KEPT) parts.clear();
    split = parse(e164);
    parts.set(e164, split);
  }
  return split;
}

function parse(e164: string): PhoneParts {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed) {
    return {
      countryCode: parsed.countryCallingCode,
      nationalNumber: parsed.nationalNumber,
      country: parsed.country ?? null,
    };
  }
  return { countryCode: e164.slice(1, 2), nationalNumber: e164.slice(2), country: null };
}

/** The language a phone is written to in: its person's choice (LANG), else its country's, else DEFAULT_LANGUAGE. */
export function languageOfPhone(phone: string, chosen: Language | null, fallback: Language): Language {
  return chosen ?? languageForCountry(splitPhone(phone).country, fallback);
}
