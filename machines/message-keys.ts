// What the bot can say, by key: the machine and the host name a message and its values; catalogs hold the words,
// one per language (src/i18n). Each key declares the values its text may use, which of them the text must use (a
// code SMS without its code is broken), and which number picks the plural form.

interface MessageSpec {
  /** Placeholders the text may use, written {name}. */
  readonly vars: readonly string[];
  /** Placeholders every text of this key must use, or the message loses its point. */
  readonly required?: readonly string[];
  /** The number whose plural category (Intl.PluralRules) picks the text's form. */
  readonly count?: string;
  /** Spoken in a call, not texted: not counted in SMS segments. */
  readonly voice?: true;
}

/** Most messages take no values: their words are all there is. */
const PLAIN_KEYS = [
  "welcome",
  "emailEmpty",
  "emailTooLong",
  "emailNoAt",
  "emailSpaceAroundAt",
  "emailSeveralAt",
  "emailNothingBeforeAt",
  "emailNothingAfterAt",
  "emailDotPlacement",
  "emailNoDotAfterAt",
  "emailBadDomain",
  "emailBadEnding",
  "emailTaken",
  "codeSent",
  "codeCalling",
  "codeCallingLandline",
  "codeResent",
  "notACode",
  "tooManyWrongCodes",
  "codeExpired",
  "providerRateLimitedLater",
  "cannotSendHere",
  "blockedForNow",
  "sendFailedRetryEmail",
  "sendFailedRetryResend",
  "checkFailed",
  "lookupFailed",
  "idleExpired",
  "startedOver",
  "optedIn",
  "promptCode",
  "sorry",
  "tooManyAtOnce",
  "languageSet",
  "languageMenu",
] as const;
type PlainKey = (typeof PLAIN_KEYS)[number];
const NO_VALUES = { vars: [] } as const;

/** The messages that take values, with the values each may use, must use, and counts by. */
const SPECS_WITH_VALUES = {
  howToBegin: { vars: ["signupWord"] },
  emailProblem: { vars: ["problem", "example"], required: ["problem"] },
  emailProblemLastTry: { vars: ["problem", "example"], required: ["problem"] },
  emailBadCharacter: { vars: ["character"], required: ["character"] },
  emailSuggestion: { vars: ["suggestion"], required: ["suggestion"] },
  emailRetriesExhausted: { vars: ["signupWord"] },
  emailNeededFirst: { vars: ["example"] },
  wrongCode: { vars: ["triesLeft"], count: "triesLeft" },
  resendTooSoon: { vars: ["seconds"], count: "seconds" },
  tooManySends: { vars: ["minutes"], count: "minutes" },
  providerRateLimited: { vars: ["minutes"], count: "minutes" },
  alreadyVerified: { vars: ["email"] },
  success: { vars: ["email"] },
  help: { vars: ["signupWord"] },
  codeEmailed: { vars: ["email"], required: ["email"] },
  codeEmailedAgain: { vars: ["email"], required: ["email"] },
  promptEmailCode: { vars: ["email"], required: ["email"] },
  notAnEmailCode: { vars: ["email"] },
  codeEmailFailed: { vars: ["email"], required: ["email"] },
  codeMessage: { vars: ["code", "minutes"], required: ["code"], count: "minutes" },
  callScript: { vars: ["digits"], required: ["digits"], voice: true },
} as const satisfies Record<string, MessageSpec>;

export const MESSAGE_SPECS = {
  ...SPECS_WITH_VALUES,
  ...(Object.fromEntries(PLAIN_KEYS.map((key) => [key, NO_VALUES])) as Record<PlainKey, typeof NO_VALUES>),
};

export type MessageKey = keyof typeof MESSAGE_SPECS;
export const MESSAGE_KEYS = Object.keys(MESSAGE_SPECS) as MessageKey[];

export type MessageValue = string | number | MessageRef;

/** A message to be rendered in the person's language: `{ key: "wrongCode", vars: { triesLeft: 3 } }`. */
export interface MessageRef {
  key: MessageKey;
  /** A value that is itself a MessageRef is rendered in the same language (an email problem inside its reply). */
  vars?: Record<string, MessageValue>;
}

export const specOf = (key: MessageKey): MessageSpec => MESSAGE_SPECS[key];

/** A typed constructor, so that a misspelt key or value name fails to compile. */
export function msg<K extends MessageKey>(
  key: K,
  ...vars: (typeof MESSAGE_SPECS)[K]["vars"] extends readonly []
    ? []
    : [Record<(typeof MESSAGE_SPECS)[K]["vars"][number], MessageValue>]
): MessageRef {
  return vars[0] ? { key, vars: vars[0] } : { key };
}

export const EMAIL_EXAMPLE = "ana@example.com";
