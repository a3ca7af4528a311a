// The languages the bot speaks, the words people use in each, and which language a phone's country suggests.

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

export const WORDS: Record<Language, LanguageWords> = {
  en: {
    names: ["EN", "ENGLISH", "INGLES", "ANGLAIS", "ENGLISCH"],
    language: ["LANG", "LANGUAGE"],
    signup: ["SIGNUP", "SIGNMEUP", "REGISTER"],
    resend: ["RESEND"],
    call: ["CALL", "CALLME"],
    yes: ["YES", "Y", "YEP", "YEAH"],
  },
  es: {
    names: ["ES", "ESPANOL", "CASTELLANO", "SPANISH"],
    language: ["IDIOMA"],
    signup: ["REGISTRO", "REGISTRARME", "REGISTRAME", "INSCRIBIRME"],
    resend: ["REENVIAR"],
    call: ["LLAMAR", "LLAMADA", "LLAMAME"],
    yes: ["SI"],
  },
  fr: {
    names: ["FR", "FRANCAIS", "FRENCH"],
    language: ["LANGUE"],
    signup: ["INSCRIPTION", "SINSCRIRE", "INSCRIVEZMOI"],
    resend: ["RENVOYER"],
    call: ["APPEL", "APPELER", "APPELEZMOI"],
    yes: ["OUI"],
  },
  de: {
    names: ["DE", "DEUTSCH", "GERMAN"],
    language: ["SPRACHE"],
    signup: ["ANMELDEN", "ANMELDUNG", "REGISTRIEREN"],
    resend: ["NEU", "ERNEUT"],
    call: ["ANRUF", "ANRUFEN"],
    yes: ["JA"],
  },
  pt: {
    names: ["PT", "PORTUGUES", "PORTUGUESE"],
    language: ["IDIOMA", "LINGUA"],
    signup: ["CADASTRO", "CADASTRAR", "CADASTRARME", "INSCREVER"],
    resend: ["REENVIAR"],
    call: ["LIGAR", "LIGACAO", "LIGUE"],
    yes: ["SIM"],
  },
};

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
