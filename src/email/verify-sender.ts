import type { VerifyVerificationProvider } from "../verification/verify.js";
import { EmailSendError, type EmailSender, type OutboundEmail, type SentEmail } from "./ports.js";

interface TwilioFailure {
  status?: number;
  code?: number;
  message?: string;
}

/**
 * Verify's email channel as a transport for code emails: Verify writes the email (its template, its code) and our
 * content is not used. It cannot send a notice; those need SMTP or SendGrid beside it.
 */
export class VerifyEmailSender implements EmailSender {
  readonly name = "verify" as const;

  constructor(private readonly verify: VerifyVerificationProvider) {}

  async send(email: OutboundEmail): Promise<SentEmail> {
    if (email.kind !== "code") {
      throw new EmailSendError(
        "Verify's email channel sends only codes: set EMAIL_SMTP_URL or SENDGRID_API_KEY",
        false,
      );
    }
    try {
      const { sid } = await this.verify.startEmail(email.to, email.language);
      return { id: sid };
    } catch (error) {
      const failure = error as TwilioFailure;
      // The client already repeated what was safe to repeat; 5xx and no answer may still pass later.
      const retryable =
        failure.status === undefined || failure.status >= 500 || (failure.status === 429 && failure.code !== 60203);
      const reason = failure.code ? `Verify ${failure.code}` : "Verify failed";
      throw new EmailSendError(`${reason}: ${failure.message ?? String(error)}`, retryable);
    }
  }
}
