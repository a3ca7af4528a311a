import { RESTING_STATES } from "../../../machines/signup.js";
import type { Language } from "../../i18n/languages.js";

/** What each state means to an operator; the machine's own name goes beside it. */
const STATE_WORDS: Record<string, string> = {
  new: "not signed up yet",
  awaitingEmail: "waiting for the email",
  checkingEmail: "checking the email",
  sendingCode: "sending the code",
  awaitingCode: "waiting for the code",
  checkingCode: "checking the code",
  sendingEmailCode: "emailing a code",
  awaitingEmailCode: "waiting for email code",
  checkingEmailCode: "checking email code",
  verified: "verified",
};

/** A state in words; a state the machine gained later and nobody named yet reads as its machine name. */
export const stateWords = (state: string) => STATE_WORDS[state] ?? state;

/** The states a person waits in: the filters and counts show these, the others only while a conversation is in one. */
export function statesToShow(counts: Record<string, number>): string[] {
  const resting: readonly string[] = RESTING_STATES;
  return [...resting, ...Object.keys(counts).filter((state) => !resting.includes(state) && (counts[state] ?? 0) > 0)];
}

/** A state as operators read it: the words, then the machine's name in small type. */
export function StateLabel({ state, id }: { state: string; id?: string }) {
  return (
    <span class="state">
      <span class={`badge ${state}`} id={id}>
        {stateWords(state)}
      </span>{" "}
      <code class="machine-name">{state}</code>
    </span>
  );
}

/**
 * One readable form for every time: UTC in the markup (and on hover), turned into the operator's own time zone by
 * the pages' script, which knows it (the server does not).
 */
export function Time({ iso }: { iso: string | null }) {
  if (iso === null) return <span>—</span>;
  const utc = iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
  return (
    <time datetime={iso} title={utc} data-local="">
      {utc}
    </time>
  );
}

const LANGUAGE_NAMES: Record<Language, string> = {
  en: "English",
  es: "Spanish",
  fr: "French",
  de: "German",
  pt: "Portuguese",
};
const CHANNEL_NAMES: Record<string, string> = { sms: "SMS", whatsapp: "WhatsApp", call: "call" };

/** A channel (or a call) as operators say it. */
export const channelWords = (channel: string) => CHANNEL_NAMES[channel] ?? channel;

/** The language the bot writes in, and whether the person chose it or their phone's country did. */
export function LanguageLabel({ language, chosen }: { language: Language; chosen: boolean }) {
  return (
    <span class="language" lang="en">
      {LANGUAGE_NAMES[language]} <code class="machine-name">{language}</code>
      <span class="muted">{chosen ? " chosen" : " by country"}</span>
    </span>
  );
}
