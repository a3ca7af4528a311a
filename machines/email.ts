// Email checks that explain themselves: a person on a phone keyboard needs to know what to fix, not just "invalid".

export type EmailCheck = { ok: true; email: string } | { ok: false; problem: string };

const MAX_LENGTH = 254; // RFC 5321's limit for a forward path
const LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function checkEmail(text: string): EmailCheck {
  const candidate = text.trim();
  if (candidate.length === 0) return { ok: false, problem: "That message was empty." };
  if (candidate.length > MAX_LENGTH) return { ok: false, problem: "That's too long to be an email address." };
  if (/\s/.test(candidate)) return { ok: false, problem: "An email address has no spaces." };
  const at = candidate.lastIndexOf("@");
  if (at < 0) return { ok: false, problem: "That doesn't look like an email: it needs an @." };
  const local = candidate.slice(0, at);
  const domain = candidate.slice(at + 1);
  if (
    local.length === 0 ||
    local.length > 64 ||
    !LOCAL_PART.test(local) ||
    local.startsWith(".") ||
    local.endsWith(".") ||
    local.includes("..")
  ) {
    return { ok: false, problem: "The part before the @ doesn't look right." };
  }
  const labels = domain.split(".");
  if (labels.length < 2) return { ok: false, problem: "The part after the @ needs a dot, like example.com." };
  if (!labels.every((label) => DOMAIN_LABEL.test(label)) || !/^[A-Za-z]{2,}$/.test(labels.at(-1) ?? "")) {
    return { ok: false, problem: "The part after the @ doesn't look right." };
  }
  // Lower-cased whole: "already registered" must not be dodged by changing case.
  return { ok: true, email: candidate.toLowerCase() };
}
