import { Metadata } from "libphonenumber-js/core";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import metadata from "libphonenumber-js/min/metadata";
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
  return (E164.test(e164) && quickSplit(e164)) || libphoneSplit(e164);
}

/** libphonenumber's own answer: the reference the quick split is held to (phone.test.ts). */
export function libphoneSplit(e164: string): PhoneParts {
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

/**
 * libphonenumber's parse of an E.164 number, without its costs that an E.164 number does not need: most of it goes
 * to telling apart the countries that share a calling code (+1's 25), compiling each of their patterns into a
 * RegExp on every parse. The same steps here, on patterns compiled once: the calling code (calling codes are
 * prefix-free, 1 to 3 digits), the national number (the digits after it, unless the calling code's national prefix
 * could be stripped from them: then null, and libphonenumber decides), and the first country of the calling code
 * whose leading digits match (or, without leading digits, whose national pattern and one of its types do).
 */
export function quickSplit(e164: string): PhoneParts | null {
  const plans = numberingPlans();
  for (let length = 1; length <= 3; length++) {
    const plan = plans.get(e164.slice(1, 1 + length));
    if (plan === undefined) continue;
    const nationalNumber = e164.slice(1 + length);
    if (plan.nationalPrefix?.test(nationalNumber)) return null;
    if (nationalNumber.length < 2 || nationalNumber.length > 17) return null;
    const country =
      plan.countries.length === 1 ? plan.countries[0]?.country : countryOf(nationalNumber, plan.countries);
    return { countryCode: e164.slice(1, 1 + length), nationalNumber, country: country ?? null };
  }
  return null;
}

interface CountryPatterns {
  country: string;
  leadingDigits: RegExp | null;
  national: RegExp;
  /** Fixed line first, then the other types in libphonenumber's order; each with its lengths when it has them. */
  types: { lengths: readonly number[] | undefined; pattern: RegExp }[];
}

interface CallingCodePlan {
  /** The national prefix (for parsing) of the calling code's main country, anchored. */
  nationalPrefix: RegExp | null;
  countries: CountryPatterns[];
}

const TYPES = [
  "FIXED_LINE",
  "MOBILE",
  "PREMIUM_RATE",
  "TOLL_FREE",
  "SHARED_COST",
  "VOIP",
  "PERSONAL_NUMBER",
  "PAGER",
  "UAN",
  "VOICEMAIL",
] as const;

let plansByCallingCode: Map<string, CallingCodePlan> | null = null;

/** What of libphonenumber's Metadata class is read here (its typings declare less than it has). */
interface SelectedPlan {
  selectNumberingPlan(countryOrCallingCode: string): void;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  nationalNumberPattern(): string;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** Built on first use, from the metadata libphonenumber itself parses with. */
function numberingPlans(): Map<string, CallingCodePlan> {
  if (plansByCallingCode) return plansByCallingCode;
  const plans = new Map<string, CallingCodePlan>();
  const md = new Metadata(metadata) as unknown as SelectedPlan;
  const entire = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  const patterns = (country: string): CountryPatterns => {
    md.selectNumberingPlan(country);
    const leading = md.leadingDigits();
    return {
      country,
      leadingDigits: leading ? new RegExp(leading) : null,
      national: entire(md.nationalNumberPattern()),
      types: TYPES.flatMap((type) => {
        const definition = md.type(type);
        const pattern = definition?.pattern();
        return definition && pattern ? [{ lengths: definition.possibleLengths(), pattern: entire(pattern) }] : [];
      }),
    };
  };
  for (const [callingCode, countries] of Object.entries(metadata.country_calling_codes)) {
    md.selectNumberingPlan(callingCode);
    const prefix = md.nationalPrefixForParsing();
    plans.set(callingCode, {
      nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null,
      // One country: it is the answer, whatever the number (libphonenumber checks nothing either).
      countries:
        countries.length === 1
          ? [{ country: countries[0] ?? "", leadingDigits: null, national: /$^/, types: [] }]
          : countries.map(patterns),
    });
  }
  plansByCallingCode = plans;
  return plans;
}

/** libphonenumber's getCountryByNationalNumber. */
function countryOf(nationalNumber: string, countries: readonly CountryPatterns[]): string | undefined {
  for (const { country, leadingDigits, national, types } of countries) {
    if (leadingDigits) {
      if (nationalNumber.search(leadingDigits) === 0) return country;
    } else if (
      national.test(nationalNumber) &&
      types.some(
        ({ lengths, pattern }) => (!lengths || lengths.includes(nationalNumber.length)) && pattern.test(nationalNumber),
      )
    ) {
      return country;
    }
  }
  return undefined;
}
