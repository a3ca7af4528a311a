import { Webhook } from "standardwebhooks";
import type { Clock, Logger } from "../conversation/ports.js";
import { backoffDelay } from "../http/retry.js";
import { DrainLoop } from "../outbox/drain-loop.js";
import type { DueWebhook, WebhookOutbox } from "./webhook-outbox.js";

export interface WebhookDispatcherOptions {
  outbox: WebhookOutbox;
  url: string;
  /** whsec_…: the Standard Webhooks signing secret shared with the product. */
  secret: string;
  clock: Clock;
  logger: Logger;
  /** One POST waits at most this long for the product's answer. */
  timeoutMs: number;
  /** A success SMS was released by a delivery: the SMS outbox should look now. */
  onReleased?: () => void;
  /** First retry delay; each further one doubles up to maxDelayMs (with jitter). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  leaseMs?: number;
  pollMs?: number;
  random?: () => number;
  fetch?: typeof fetch;
}

/**
 * POSTs the product's events as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature v1), retried
 * with backoff across restarts under the same webhook-id, until a 2xx or the event's give-up time.
 */
export class WebhookDispatcher extends DrainLoop {
  private readonly signer: Webhook;
  private readonly leaseMs: number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    super(options.pollMs ?? 5_000, options.logger, "product webhook");
    this.signer = new Webhook(options.secret);
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /** Delivers everything due now; how many the product accepted. */
  protected async drainDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const batch = await this.options.outbox.claimDue(this.options.clock.now(), 10, this.leaseMs);
      if (batch.length === 0) return delivered;
      for (const event of batch) delivered += (await this.deliver(event)) ? 1 : 0;
    }
  }

  private async deliver(event: DueWebhook): Promise<boolean> {
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
    const retryAt = now + backoffDelay(event.attempts + 1, this.backoff, this.options.random ?? Math.random);
    if (retryAt >= event.giveUpAt) {
      await outbox.markFailed(event.id, failure, now);
      logger.error({ webhookId: event.webhookId, attempts: event.attempts + 1, failure }, "product webhook gave up");
    } else {
      await outbox.markRetry(event.id, failure, retryAt, now);
      logger.warn({ webhookId: event.webhookId, attempts: event.attempts + 1, failure }, "product webhook failed");
    }
    return false;
  }

  private get backoff() {
    return { baseDelayMs: this.options.baseDelayMs ?? 5_000, maxDelayMs: this.options.maxDelayMs ?? 60 * 60_000 };
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
