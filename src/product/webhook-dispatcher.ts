import { Webhook } from "standardwebhooks";
import { LeasedOutbox, type RetryOptions } from "../outbox/drain-loop.js";
import type { DueWebhook, WebhookOutbox } from "./webhook-outbox.js";

/** An event is given up on at its give-up time, however many attempts that took: there is no maxAttempts. */
export interface WebhookDispatcherOptions extends Omit<RetryOptions, "maxAttempts"> {
  outbox: WebhookOutbox;
  url: string;
  /** whsec_…: the Standard Webhooks signing secret shared with the product. */
  secret: string;
  /** One POST waits at most this long for the product's answer. */
  timeoutMs: number;
  /** A success SMS was released by a delivery: the SMS outbox should look now. */
  onReleased?: () => void;
  fetch?: typeof fetch;
}

/**
 * POSTs the product's events as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature v1), retried
 * with backoff across restarts under the same webhook-id, until a 2xx or the event's give-up time.
 */
export class WebhookDispatcher extends LeasedOutbox<DueWebhook> {
  private readonly signer: Webhook;

  constructor(private readonly options: WebhookDispatcherOptions) {
    // Slower than the SMS's: an event may wait hours (its give-up time), so a product that is down is not hurried.
    super("product webhook", options.outbox, options, { baseDelayMs: 5_000, maxDelayMs: 60 * 60_000 });
    this.signer = new Webhook(options.secret);
  }

  protected async deliver(event: DueWebhook): Promise<boolean> {
    const { outbox, clock, logger } = this.options;
    const sentAt = clock.now();
    let failure: string;
    try {
      const response = await (this.options.fetch ?? fetch)(this.options.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "sms-signup",
          "webhook-id": event.webhookId,
          "webhook-timestamp": String(Math.floor(sentAt / 1000)),
          "webhook-signature": this.signer.sign(event.webhookId, new Date(sentAt), event.payload),
        },
        body: event.payload,
        // A redirect is not an answer: a product that moved must be reconfigured, not followed blindly.
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        if (await outbox.markDelivered(event.id, clock.now())) this.options.onReleased?.();
        logger.info({ webhookId: event.webhookId, attempts: event.attempts + 1 }, "product webhook delivered");
        return true;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error && error.name === "TimeoutError" ? "timed out" : describe(error);
    }
    const now = clock.now();
    const retryAt = now + this.delay(event.attempts);
    if (retryAt >= event.giveUpAt) {
      await outbox.markFailed(event.id, failure, now);
      logger.error({ webhookId: event.webhookId, attempts: event.attempts + 1, failure }, "product webhook gave up");
    } else {
      await outbox.markRetry(event.id, failure, retryAt, now);
      logger.warn({ webhookId: event.webhookId, attempts: event.attempts + 1, failure }, "product webhook failed");
    }
    return false;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
