// Keywords are read before any conversation logic, on the whole trimmed body in any case ("STOP please" is not
// STOP), so that a person's STOP is never taken for an email or a code.

export const OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"] as const;
export const OPT_IN_WORDS = ["START", "YES", "UNSTOP"] as const;
export const HELP_WORDS = ["HELP", "INFO"] as const;
export const RESEND_WORD = "RESEND";

export type Intent = "optOut" | "optIn" | "help" | "signup" | "resend" | "text";

export interface KeywordOptions {
  signupWords: readonly string[];
}

/** Twilio's Advanced Opt-Out says what it matched in `OptOutType`; when present it wins over our own matching. */
export function classify(body: string, optOutType: string | undefined, { signupWords }: KeywordOptions): Intent {
  switch (optOutType?.toUpperCase()) {
    case "STOP":
      return "optOut";
    case "START":
      return "optIn";
    case "HELP":
      return "help";
  }
  const word = body.trim().toUpperCase();
  if ((OPT_OUT_WORDS as readonly string[]).includes(word)) return "optOut";
  if ((OPT_IN_WORDS as readonly string[]).includes(word)) return "optIn";
  if ((HELP_WORDS as readonly string[]).includes(word)) return "help";
  if (signupWords.includes(word)) return "signup";
  if (word === RESEND_WORD) return "resend";
  return "text";
}
