import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** Why a code was not sent: the words of the metrics, the timeline and the dashboard. */
export type RefusalReason = "country" | "number_type" | "prefix_cap" | "country_cap" | "global_budget";
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  "country",
  "number_type",
  "prefix_cap",
  "country_cap",
  "global_budget",
];

/** Lines a code can reach a person on; premium-rate, shared-cost, toll-free, VoIP, pagers and the like are not. */
const SENDABLE_TYPES = new Set(["MOBILE", "FIXED_LINE", "FIXED_LINE_OR_MOBILE"]);

/** Pumping rents ranges of consecutive numbers: a block of 10,000 numbers shares a prefix. */
const PREFIX_DROPPED_DIGITS = 4;

export interface SendTarget {
  phone: string;
  prefix: string;
  /** ISO country; null when libphonenumber cannot place the number. */
  country: string | null;
  /** libphonenumber-js's type; null when the number is not a valid one. */
  type: string | null;
}

export function describeTarget(phone: string): SendTarget {
  const parsed = parsePhoneNumberFromString(phone);
  const valid = parsed?.isValid() ?? false;
  return {
    phone,
    prefix: phone.slice(0, Math.max(3, phone.length - PREFIX_DROPPED_DIGITS)),
    country: parsed?.country ?? null,
    type: valid ? (parsed?.getType() ?? null) : null,
  };
}

/** The checks that need no counting: is this a country we serve, and a line that receives SMS at a normal price? */
export function staticRefusal(target: SendTarget, allowedCountries: readonly string[] | null): RefusalReason | null {
  if (allowedCountries !== null && (target.country === null || !allowedCountries.includes(target.country))) {
    return "country";
  }
  if (target.type === null || !SENDABLE_TYPES.has(target.type)) return "number_type";
  return null;
}

/** A number or prefix an operator allowed: the phone starts with it. */
export const isAllowedBy = (phone: string, pattern: string) => phone.startsWith(pattern);
