// Emails as people send them: inside a sentence ("my email is ana@example.com."), with a typo in a common domain
// ("ana@gmial.com"). Every problem is named precisely, by message key, so that a person on a phone keyboard knows
// what to fix: "ana@" has nothing after the @; it does not "need a dot".
import type { MessageRef, msg } from "./message-keys.js";

export type EmailCheck =
  /** `suggestion`: the same address with a common domain's spelling, when the domain looks like its typo. */
  { ok: true; email: string; suggestion: string | null } | { ok: false; problem: MessageRef };

const MAX_LENGTH = 254; // RFC 5321's limit for a forward path
const LOCAL_CHAR = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Around an address in a sentence: quotes, brackets, and the sentence's own punctuation at the end. */
const WRAPPING = /^[\s"'“”‘’«»<([{:,;]+|[\s"'“”‘’«»>)\]}.,;:!?]+$/gu;

/** Where people's addresses are, most of them; a domain one or two keystrokes away from one is likely its typo. */
const COMMON_DOMAINS = [
  "gmail.com",
  "yahoo.com",
  "hotmail.com",
  "outlook.com",
  "icloud.com",
  "live.com",
  "aol.com",
  "msn.com",
  "me.com",
  "proton.me",
  "protonmail.com",
  "hotmail.es",
  "yahoo.es",
  "hotmail.fr",
  "orange.fr",
  "free.fr",
  "wanadoo.fr",
  "laposte.net",
  "gmx.de",
  "gmx.net",
  "web.de",
  "t-online.de",
  "yahoo.com.br",
  "hotmail.com.br",
  "uol.com.br",
  "bol.com.br",
  "terra.com.br",
  "yahoo.com.mx",
  "outlook.es",
];

/** Damerau-Levenshtein (optimal string alignment): a swapped pair ("gmial") is one edit, as a person makes it. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] ?? 0, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
}

/** The common domain this one is likely a typo of, or null (it is one, or it is far from all of them). */
export function likelyDomain(domain: string): string | null {
  if (COMMON_DOMAINS.includes(domain)) return null;
  let best: { domain: string; distance: number } | null = null;
  for (const common of COMMON_DOMAINS) {
    // Short domains need a closer match: "me.com" and "mo.com" are both real.
    const allowed = common.length <= 6 ? 0 : common.length <= 9 ? 1 : 2;
    // Lengths further apart than that take more edits than allowed: most domains are ruled out without the table.
    if (Math.abs(domain.length - common.length) > allowed) continue;
    const distance = editDistance(domain, common);
    if (distance <= allowed && (best === null || distance < best.distance)) best = { domain: common, distance };
  }
  return best?.domain ?? null;
}

/** A link's scheme, as a mail app copies an address ("mailto:ana@example.com"). */
const MAILTO = /^mailto:/iu;

/** The address inside a message: the one word with an @, without the quotes, punctuation and mailto: around it. */
function extract(text: string): string {
  let trimmed = text.trim();
  // "ana @ example.com", "ana@ example.com": a keyboard's spaces around the one @ are not part of the address.
  if (trimmed.split("@").length === 2) trimmed = trimmed.replace(/(\S)\s+@/u, "$1@").replace(/@\s+(\S)/u, "@$1");
  const words = trimmed.split(/\s+/u).filter((word) => word.includes("@"));
  const unwrap = (word: string) => word.replace(WRAPPING, "").replace(MAILTO, "").replace(WRAPPING, "");
  if (words.length === 1 && /\S@\S/u.test(words[0] ?? "")) return unwrap(words[0] ?? "");
  return words.length === 0 ? unwrap(trimmed) : trimmed;
}

/** The last text checked: a turn's guards and actions ask about the same message five times or more. */
let lastChecked: { text: string; check: EmailCheck } | null = null;

export function checkEmail(text: string): EmailCheck {
  if (lastChecked?.text !== text) lastChecked = { text, check: checkText(text) };
  return lastChecked.check;
}

function checkText(text: string): EmailCheck {
  const candidate = extract(text);
  const problem = (key: Parameters<typeof msg>[0], vars?: Record<string, string>): EmailCheck => ({
    ok: false,
    problem: vars ? { key, vars } : { key },
  });
  if (candidate.length === 0) return problem("emailEmpty");
  if (candidate.length > MAX_LENGTH) return problem("emailTooLong");
  const ats = candidate.split("@").length - 1;
  if (ats === 0) return problem("emailNoAt");
  if (/\s/u.test(candidate)) return problem("emailSpaceAroundAt");
  if (ats > 1) return problem("emailSeveralAt");
  const [local = "", domain = ""] = candidate.split("@");
  if (local.length === 0) return problem("emailNothingBeforeAt");
  if (domain.length === 0) return problem("emailNothingAfterAt");
  const bad = [...local].find((char) => !LOCAL_CHAR.test(char));
  if (bad !== undefined) return problem("emailBadCharacter", { character: bad });
  if (local.length > 64) return problem("emailTooLong");
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return problem("emailDotPlacement");
  const labels = domain.split(".");
  if (labels.length < 2) return problem("emailNoDotAfterAt");
  const badInDomain = [...domain].find((char) => !/[A-Za-z0-9.-]/.test(char));
  if (badInDomain !== undefined) return problem("emailBadCharacter", { character: badInDomain });
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return problem("emailBadDomain");
  if (!/^[A-Za-z]{2,}$/.test(labels.at(-1) ?? "")) return problem("emailBadEnding");
  // Lower-cased whole: "already registered" must not be dodged by changing case.
  const email = candidate.toLowerCase();
  const [name, host = ""] = email.split("@");
  const likely = likelyDomain(host);
  return { ok: true, email, suggestion: likely ? `${name}@${likely}` : null };
}
