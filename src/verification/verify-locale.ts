// The language of Verify's code SMS, from the phone's country. Verify resolves a locale from the country code by
// itself; sending it explicitly keeps the choice ours and visible (and testable). Countries with more than one
// common language (CA, CH, BE, LU, ...) are left to Verify, as are those whose language Verify lacks.

/** Verify's supported locales (twilio.com/docs/verify/supported-languages), by ISO country. */
const LOCALE_BY_COUNTRY: Record<string, string> = {
  US: "en", AU: "en", NZ: "en", IE: "en", ZA: "en", IN: "en", PH: "en", SG: "en",
  GB: "en-GB",
  DE: "de", AT: "de",
  FR: "fr",
  ES: "es", MX: "es", AR: "es", CO: "es", CL: "es", PE: "es", VE: "es", EC: "es", UY: "es", PY: "es", BO: "es",
  CR: "es", PA: "es", DO: "es", GT: "es", HN: "es", SV: "es", NI: "es",
  PT: "pt", BR: "pt-BR",
  IT: "it", NL: "nl", SE: "sv", NO: "nb", DK: "da", FI: "fi", EE: "et",
  PL: "pl", CZ: "cs", HU: "hu", RO: "ro", HR: "hr", GR: "el", TR: "tr", RU: "ru",
  IL: "he", SA: "ar", AE: "ar", EG: "ar", JO: "ar", MA: "ar",
  JP: "ja", KR: "ko", CN: "zh-CN", HK: "zh-HK", TW: "zh", TH: "th", VN: "vi", ID: "id", MY: "ms",
};

export function verifyLocale(country: string | null): string | undefined {
  return country ? LOCALE_BY_COUNTRY[country] : undefined;
}
