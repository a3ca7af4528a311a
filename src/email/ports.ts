// How an email leaves: one interface, an adapter per transport (SMTP, SendGrid, Verify's email channel, the log).

/** "code" carries a one-time code; "notice" tells an address's owner that someone tried to sign up with it. */
export type EmailKind = "code" | "notice";

export interface OutboundEmail {
  kind: EmailKind;
  to: string;
  /** The phone whose conversation the email belongs to (local mode shows it to that phone). */
  phone: string;
  /** A language tag ("en", "es"); Verify renders its own template in it. */
  language: string;
  subject: string;
  text: string;
  html: string;
}

export interface SentEmail {
  /** The transport's id for the message (SMTP Message-ID, SendGrid's X-Message-Id, Verify's VE sid). */
  id: string;
}

/** A send that failed; `retryable` says whether the same email may be tried again later. */
export class EmailSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "EmailSendError";
  }
}

export interface EmailSender {
  readonly name: "smtp" | "sendgrid" | "verify" | "log";
  send(email: OutboundEmail): Promise<SentEmail>;
}

/** Addresses in logs: the first letter and the domain, enough to tell an operator which, not to write to it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email[0]}•••${email.slice(at)}`;
}
