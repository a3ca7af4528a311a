// The languages the bot speaks, the words people use in each, and which language a phone's country suggests.

import words from "./words.json" with { type: "json" };

export const LANGUAGES = ["en", "es", "fr", "de", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

export const isLanguage = (value: unknown): value is Language => LANGUAGES.includes(value as Language);

/** What a person types, in each language, for each thing the bot understands (matched forgivingly: see keywords). */
export interface LanguageWords {
  /** Its own name and its ISO code, as a person would ask for it ("LANG ES", "ESPAÑOL"). */
  names: readonly string[];
  /** The word that asks to change the language, alone (a menu) or followed by a language ("IDIOMA PT"). */
  language: readonly string[];
  signup: readonly string[];
  resend: readonly string[];
  call: readonly string[];
  /** Confirms a suggestion ("Did you mean ana@gmail.com? Reply YES"). */
  yes: readonly string[];
}

/** Data, not code: translators edit words.json (checked against LanguageWords here) as they edit a catalog. */
export const WORDS: Record<Language, LanguageWords> = words;

// Countries where one of our languages is the one people most likely read; elsewhere DEFAULT_LANGUAGE decides.
// Multilingual countries (CA, CH, BE, LU) are left to the default rather than guessed.
const LANGUAGE_BY_COUNTRY: Record<string, Language> = {
  ...Object.fromEntries(
    [
      "ES",
      "MX",
      "AR",
      "CO",
      "CL",
      "PE",
      "VE",
      "EC",
      "UY",
      "PY",
      "BO",
      "CR",
      "PA",
      "DO",
      "GT",
      "HN",
      "SV",
      "NI",
      "CU",
    ].map((country) => [country, "es"]),
  ),
  ...Object.fromEntries(
    ["FR", "MC", "SN", "CI", "ML", "BF", "NE", "TG", "BJ", "GA", "CG", "CD", "MG"].map((c) => [c, "fr"]),
  ),
  ...Object.fromEntries(["DE", "AT", "LI"].map((country) => [country, "de"])),
  ...Object.fromEntries(["BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"].map((country) => [country, "pt"])),
  ...Object.fromEntries(["US", "GB", "IE", "AU", "NZ", "ZA", "JM", "TT", "BS", "BB"].map((c) => [c, "en"])),
};

/** The language a phone's country suggests, or `fallback` (DEFAULT_LANGUAGE) when it suggests none of ours. */
export function languageForCountry(country: string | null, fallback: Language): Language {
  return (country && LANGUAGE_BY_COUNTRY[country]) || fallback;
}

/** BCP 47 tags for Intl and for providers that want a region (Verify speaks pt-BR). */
export const INTL_LOCALE: Record<Language, string> = { en: "en", es: "es", fr: "fr", de: "de", pt: "pt-BR" };
