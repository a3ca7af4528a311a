// SMTP through nodemailer (Node only: it needs sockets). EMAIL_SMTP_URL is nodemailer's connection URL:
// smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465.
import { createTransport, type Transporter } from "nodemailer";
import { EmailSendError, type EmailSender, type OutboundEmail, type SentEmail } from "./ports.js";

export interface SmtpSenderOptions {
  url: string;
  from: string;
  /** Connection, greeting and socket timeout, each. */
  timeoutMs: number;
}

export class SmtpEmailSender implements EmailSender {
  readonly name = "smtp" as const;
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpSenderOptions) {
    const url = new URL(options.url);
    this.transport = createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
      secure: url.protocol === "smtps:",
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
  }

  async send(email: OutboundEmail): Promise<SentEmail> {
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: { "Content-Language": email.language },
      });
      if ((info.rejected ?? []).length > 0) throw new EmailSendError("the SMTP server refused the recipient", false);
      return { id: info.messageId };
    } catch (error) {
      if (error instanceof EmailSendError) throw error;
      const failure = error as { code?: string; responseCode?: number; message?: string };
      // 4xx is SMTP's "try again later"; 5xx is final. No reply code at all: the connection failed, try again.
      const retryable = failure.responseCode === undefined || failure.responseCode < 500;
      const reason = failure.responseCode ? `SMTP ${failure.responseCode}` : (failure.code ?? "SMTP connection failed");
      throw new EmailSendError(`${reason}: ${failure.message ?? String(error)}`, retryable);
    }
  }

  close(): void {
    this.transport.close();
  }
}
