// Keywords are read before any conversation logic, on the whole body, so that a person's STOP is never taken for an
// email or a code. People type them as their keyboard lets them: "Sign up", "signup!", "RESEND.", "Español" all
// count, so case, accents, spaces and punctuation are ignored; a keyword inside a sentence ("STOP please") is not one.
import { LANGUAGES, type Language, WORDS } from "../i18n/languages.js";

export const OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"] as const;
/** YES is both Twilio's opt-in word and the answer to "Did you mean …?": the engine tells them apart. */
export const OPT_IN_WORDS = ["START", "YES", "UNSTOP"] as const;
export const HELP_WORDS = ["HELP", "INFO"] as const;

export type Keyword =
  | { intent: "optOut" | "help" | "text" }
  /** `yes`: the word also confirms a suggestion. */
  | { intent: "optIn"; yes: boolean }
  /** `language`: the language whose word it was, when only one language has it ("REGISTRO" is Spanish). */
  | { intent: "signup" | "resend" | "call" | "yes"; language?: Language }
  /** A language asked for by name or after a language word ("LANG ES"); null: the word alone, show the choices. */
  | { intent: "language"; language: Language | null };

export interface KeywordOptions {
  /** SIGNUP_KEYWORDS, upper case: they start a sign-up in the person's current language. */
  signupWords: readonly string[];
}

/** "Sign up!" → "SIGNUP", "Español" → "ESPANOL": what is compared. */
export function normalizeWord(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");
}

type WordKind = "signup" | "resend" | "call" | "yes";

function languagesSaying(word: string, kind: WordKind | "names" | "language"): Language[] {
  return LANGUAGES.filter((language) => WORDS[language][kind].includes(word));
}

/** Twilio's Advanced Opt-Out says what it matched in `OptOutType`; when present it wins over our own matching. */
export function classify(body: string, optOutType: string | undefined, { signupWords }: KeywordOptions): Keyword {
  switch (optOutType?.toUpperCase()) {
    case "STOP":
      return { intent: "optOut" };
    case "START":
      return { intent: "optIn", yes: false };
    case "HELP":
      return { intent: "help" };
  }
  const word = normalizeWord(body);
  if (word === "") return { intent: "text" };
  if ((OPT_OUT_WORDS as readonly string[]).includes(word)) return { intent: "optOut" };
  if ((OPT_IN_WORDS as readonly string[]).includes(word)) return { intent: "optIn", yes: word === "YES" };
  if ((HELP_WORDS as readonly string[]).includes(word)) return { intent: "help" };
  if (signupWords.includes(word)) return { intent: "signup" };
  for (const kind of ["signup", "resend", "call", "yes"] as const) {
    const speakers = languagesSaying(word, kind);
    if (speakers.length > 0) {
      return speakers.length === 1 && speakers[0] !== undefined
        ? { intent: kind, language: speakers[0] }
        : { intent: kind };
    }
  }
  return languageRequest(body);
}

/** "LANG ES", "idioma: português", "Deutsch": a language; "IDIOMA" alone: the choices. */
function languageRequest(body: string): Keyword {
  const [first = "", ...rest] = body.trim().split(/[\s:,.-]+/u);
  const head = normalizeWord(first);
  const tail = normalizeWord(rest.join(""));
  if (languagesSaying(head, "language").length > 0) {
    if (tail === "") return { intent: "language", language: null };
    const named = LANGUAGES.find((language) => WORDS[language].names.includes(tail));
    return named ? { intent: "language", language: named } : { intent: "text" };
  }
  // A name alone must be the whole body; bare ISO codes ("ES", "DE") only count after a language word.
  const whole = normalizeWord(body);
  const named = LANGUAGES.find((language) => WORDS[language].names.slice(1).includes(whole));
  return named ? { intent: "language", language: named } : { intent: "text" };
}
