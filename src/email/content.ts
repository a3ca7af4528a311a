// What the emails say: text and HTML, the code large, nothing to click (no links, no buttons, no images), so that
// a real one cannot be confused with a phishing copy that asks for a click. Web-standard only.

import type { EmailKind } from "./ports.js";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface CodeEmailInput {
  code: string;
  codeTtlMs: number;
}

export interface NoticeEmailInput {
  /** The last two digits of the phone that tried: enough for the owner to know it was not theirs. */
  phoneEnding: string;
}

interface EmailTexts {
  codeSubject: string;
  codeIntro: string;
  codeHowTo: string;
  codeExpiry: (minutes: number) => string;
  codeIgnore: string;
  noticeSubject: string;
  notice: (phoneEnding: string) => string;
  noticeNothingToDo: string;
}

const TEXTS: Record<string, EmailTexts> = {
  en: {
    codeSubject: "Your sign-up code",
    codeIntro: "Your code to confirm this email address:",
    codeHowTo: "Text it back to us from the phone you are signing up with.",
    codeExpiry: (minutes) => `It expires in ${minutes} ${minutes === 1 ? "minute" : "minutes"}. Don't share it.`,
    codeIgnore: "If you did not ask for it, ignore this email: nothing happens without the code.",
    noticeSubject: "Someone tried to sign up with your email",
    notice: (ending) =>
      `Someone tried to sign up by text message with this email address, from a phone number ending in ${ending}. ` +
      "Your account already uses this address, so they were not sent a code and cannot finish.",
    noticeNothingToDo: "If it was you, you already have an account. Otherwise there is nothing to do.",
  },
  es: {
    codeSubject: "Tu código de registro",
    codeIntro: "Tu código para confirmar esta dirección de correo:",
    codeHowTo: "Envíanoslo por SMS desde el teléfono con el que te registras.",
    codeExpiry: (minutes) => `Caduca en ${minutes} ${minutes === 1 ? "minuto" : "minutos"}. No lo compartas.`,
    codeIgnore: "Si no lo pediste, ignora este correo: sin el código no pasa nada.",
    noticeSubject: "Alguien intentó registrarse con tu correo",
    notice: (ending) =>
      `Alguien intentó registrarse por SMS con esta dirección de correo, desde un teléfono que termina en ${ending}. ` +
      "Tu cuenta ya usa esta dirección, así que no recibió ningún código y no puede terminar.",
    noticeNothingToDo: "Si fuiste tú, ya tienes una cuenta. Si no, no tienes que hacer nada.",
  },
  fr: {
    codeSubject: "Votre code d'inscription",
    codeIntro: "Votre code pour confirmer cette adresse e-mail :",
    codeHowTo: "Envoyez-le-nous par SMS depuis le téléphone avec lequel vous vous inscrivez.",
    codeExpiry: (minutes) =>
      `Il expire dans ${minutes} ${minutes === 1 ? "minute" : "minutes"}. Ne le communiquez à personne.`,
    codeIgnore: "Si vous ne l'avez pas demandé, ignorez cet e-mail : sans le code, rien ne se passe.",
    noticeSubject: "Quelqu'un a tenté de s'inscrire avec votre e-mail",
    notice: (ending) =>
      `Quelqu'un a tenté de s'inscrire par SMS avec cette adresse e-mail, depuis un numéro se terminant par ${ending}. ` +
      "Votre compte utilise déjà cette adresse : aucun code ne lui a été envoyé et l'inscription ne peut pas aboutir.",
    noticeNothingToDo: "Si c'était vous, vous avez déjà un compte. Sinon, vous n'avez rien à faire.",
  },
  de: {
    codeSubject: "Dein Anmeldecode",
    codeIntro: "Dein Code, um diese E-Mail-Adresse zu bestätigen:",
    codeHowTo: "Schick ihn uns per SMS von dem Telefon, mit dem du dich anmeldest.",
    codeExpiry: (minutes) =>
      `Er läuft in ${minutes} ${minutes === 1 ? "Minute" : "Minuten"} ab. Gib ihn niemandem weiter.`,
    codeIgnore: "Wenn du ihn nicht angefordert hast, ignoriere diese E-Mail: Ohne den Code passiert nichts.",
    noticeSubject: "Jemand wollte sich mit deiner E-Mail-Adresse anmelden",
    notice: (ending) =>
      `Jemand hat versucht, sich per SMS mit dieser E-Mail-Adresse anzumelden, von einer Nummer, die auf ${ending} endet. ` +
      "Dein Konto nutzt diese Adresse bereits, deshalb wurde kein Code verschickt und die Anmeldung kann nicht abgeschlossen werden.",
    noticeNothingToDo: "Warst du es, hast du schon ein Konto. Sonst musst du nichts tun.",
  },
  pt: {
    codeSubject: "Seu código de cadastro",
    codeIntro: "Seu código para confirmar este endereço de e-mail:",
    codeHowTo: "Envie-o para nós por SMS do celular com que você está se cadastrando.",
    codeExpiry: (minutes) =>
      `Ele expira em ${minutes} ${minutes === 1 ? "minuto" : "minutos"}. Não o compartilhe com ninguém.`,
    codeIgnore: "Se você não pediu este código, ignore este e-mail: sem o código, nada acontece.",
    noticeSubject: "Alguém tentou se cadastrar com seu e-mail",
    notice: (ending) =>
      `Alguém tentou se cadastrar por SMS com este endereço de e-mail, de um número que termina em ${ending}. ` +
      "Sua conta já usa este endereço, então nenhum código foi enviado e o cadastro não pode ser concluído.",
    noticeNothingToDo: "Se foi você, você já tem uma conta. Caso contrário, não é preciso fazer nada.",
  },
};

export const EMAIL_LANGUAGES = Object.keys(TEXTS);

function textsFor(language: string): EmailTexts {
  const base = language.toLowerCase().split(/[-_]/)[0] ?? "en";
  return TEXTS[base] ?? (TEXTS.en as EmailTexts);
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function page(language: string, title: string, body: string): string {
  return (
    `<!doctype html><html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;color:#222;max-width:32em;margin:0 auto;padding:1em">${body}</body></html>`
  );
}

const paragraph = (text: string) => `<p style="font-size:16px;line-height:1.4">${escapeHtml(text)}</p>`;

export function codeEmail(language: string, { code, codeTtlMs }: CodeEmailInput): EmailContent {
  const t = textsFor(language);
  const minutes = Math.max(1, Math.ceil(codeTtlMs / 60_000));
  const text = [t.codeIntro, "", `    ${code}`, "", t.codeHowTo, t.codeExpiry(minutes), "", t.codeIgnore, ""].join(
    "\n",
  );
  const html = page(
    language,
    t.codeSubject,
    paragraph(t.codeIntro) +
      // Large and spaced so it is read, not clicked; user-select lets it be copied whole.
      `<p style="font-size:40px;font-weight:bold;letter-spacing:0.3em;font-family:monospace;user-select:all">${escapeHtml(code)}</p>` +
      paragraph(t.codeHowTo) +
      paragraph(t.codeExpiry(minutes)) +
      paragraph(t.codeIgnore),
  );
  return { subject: t.codeSubject, text, html };
}

export function noticeEmail(language: string, { phoneEnding }: NoticeEmailInput): EmailContent {
  const t = textsFor(language);
  const text = [t.notice(phoneEnding), "", t.noticeNothingToDo, ""].join("\n");
  const html = page(language, t.noticeSubject, paragraph(t.notice(phoneEnding)) + paragraph(t.noticeNothingToDo));
  return { subject: t.noticeSubject, text, html };
}

/** What the transcript shows of an email: who, what, and the code masked. */
export function transcriptLine(kind: EmailKind, to: string, subject: string): string {
  return kind === "code" ? `Email to ${to}: ${subject} (code ••••••)` : `Email to ${to}: ${subject}`;
}
