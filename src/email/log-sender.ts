import type { Logger } from "../conversation/ports.js";
import { RecentLog } from "../local/recent-log.js";
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
  private readonly sent = new RecentLog<LocalEmail>();

  constructor(private readonly logger: Logger) {}

  async send(email: OutboundEmail): Promise<SentEmail> {
    const number = this.sent.next();
    const id = `local-email-${number}`;
    this.logger.info(
      { email: { to: email.to, subject: email.subject, text: email.text, id } },
      "local mode: email not sent, logged instead",
    );
    this.sent.add({
      id: number,
      phone: email.phone,
      to: email.to,
      subject: email.subject,
      text: email.text,
      at: Date.now(),
    });
    return { id };
  }

  /** What was sent for `phone`'s conversation after the email numbered `afterId`, oldest first. */
  sentFor(phone: string, afterId: number): LocalEmail[] {
    return this.sent.after(afterId, (email) => email.phone === phone);
  }
}
