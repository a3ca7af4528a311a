import type { Logger } from "../conversation/ports.js";
import type { EmailSender, OutboundEmail, SentEmail } from "./ports.js";

/** One email local mode "sent", for `npm run chat` to show to the phone whose conversation it belongs to. */
export interface LocalEmail {
  id: number;
  phone: string;
  to: string;
  subject: string;
  text: string;
  at: number;
}

/**
 * Local mode's email "network": every email goes to the log in full (the code included: it is how a developer
 * without a mail server finishes a sign-up) and the latest are kept in memory (bounded) for GET /local/outbox.
 */
export class LogEmailSender implements EmailSender {
  readonly name = "log" as const;
  private sequence = 0;
  private readonly sent: LocalEmail[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly keep = 500,
  ) {}

  async send(email: OutboundEmail): Promise<SentEmail> {
    this.sequence += 1;
    const id = `local-email-${this.sequence}`;
    this.logger.info(
      { email: { to: email.to, subject: email.subject, text: email.text, id } },
      "local mode: email not sent, logged instead",
    );
    this.sent.push({
      id: this.sequence,
      phone: email.phone,
      to: email.to,
      subject: email.subject,
      text: email.text,
      at: Date.now(),
    });
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep);
    return { id };
  }

  /** What was sent for `phone`'s conversation after the email numbered `afterId`, oldest first. */
  sentFor(phone: string, afterId: number): LocalEmail[] {
    return this.sent.filter((email) => email.phone === phone && email.id > afterId);
  }
}
