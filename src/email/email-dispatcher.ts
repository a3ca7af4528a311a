import { msg } from "../../machines/message-keys.js";
import { maskPhone } from "../conversation/mask.js";
import type { MessageRenderer } from "../i18n/catalog.js";
import type { Language } from "../i18n/languages.js";
import { LeasedOutbox, type RetryOptions } from "../outbox/drain-loop.js";
import type { KyselyEmailOutboxStore, OwedEmail } from "../store/email-outbox-store.js";
import { EmailSendError, type EmailSender, maskEmail } from "./ports.js";

export interface EmailDispatcherOptions extends RetryOptions {
  store: KyselyEmailOutboxStore;
  sender: EmailSender;
  renderer: MessageRenderer;
  /** Called after a final failure queued the SMS that tells the person, so the SMS outbox sends it at once. */
  onSmsQueued?: () => void;
}

/**
 * Sends the emails turns queued (codes, and notices to an address's owner), after their commit: retried with
 * backoff as the success SMS is, picked up again after a restart. An email given up on is followed by an SMS that
 * says so and that RESEND tries again, whatever kind it was: a notice's failure must read like a code's.
 */
export class EmailOutboxDispatcher extends LeasedOutbox<OwedEmail> {
  constructor(private readonly options: EmailDispatcherOptions) {
    super("email outbox", options.store, options);
  }

  nextDueAt(): Promise<number | null> {
    return this.options.store.nextDueAt();
  }

  protected async deliver(email: OwedEmail): Promise<boolean> {
    const { store, sender, clock, logger } = this.options;
    const where = { phone: maskPhone(email.phone), to: maskEmail(email.to), kind: email.kind, outbox: email.id };
    try {
      const sent = await sender.send({ ...email });
      await store.markSent(email, sent.id, clock.now());
      logger.info({ ...where, transport: sender.name }, "email sent");
      return true;
    } catch (error) {
      const failure = error instanceof EmailSendError ? error : new EmailSendError(String(error), true);
      const now = clock.now();
      if (failure.retryable && email.attempts + 1 < this.maxAttempts) {
        await store.markRetry(email, failure.message, now + this.delay(email.attempts), now);
        logger.warn({ ...where, err: failure.message }, "email send failed; will retry");
      } else {
        const body = this.options.renderer.render(
          msg("codeEmailFailed", { email: email.to }),
          email.language as Language,
        );
        await store.markFailed(email, failure.message, { body }, now);
        logger.warn({ ...where, err: failure.message }, "email send failed for good; the person was told by SMS");
        this.options.onSmsQueued?.();
      }
      return false;
    }
  }
}
