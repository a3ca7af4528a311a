import { maskPhone } from "../conversation/mask.js";
import { type OutboxMessage, type OutboxStore, SmsSendError, type SmsSender } from "../conversation/ports.js";
import { LeasedOutbox, type RetryOptions } from "./drain-loop.js";

export interface OutboxDispatcherOptions extends RetryOptions {
  store: OutboxStore;
  sender: SmsSender;
  /**
   * How long a claimed message is ours before another sender may take it over: renewed while its send runs, so it
   * only runs out when the sender died (or stalled) mid-send. Short, so a restart finds the message within it.
   */
  leaseMs?: number;
}

/**
 * Sends what turns left in the outbox (the success SMS), after their commit: retried with backoff until Twilio
 * takes it, picked up again after a restart, never sent to a person who opted out.
 */
export class OutboxDispatcher extends LeasedOutbox<OutboxMessage> {
  constructor(private readonly options: OutboxDispatcherOptions) {
    super("outbox", options.store, options, { leaseMs: 2_000 });
  }

  protected async deliver(message: OutboxMessage): Promise<boolean> {
    const { store, sender, clock, logger } = this.options;
    if (await store.isOptedOut(message.phone)) {
      await store.markFailed(message.id, "suppressed", "recipient opted out", null, clock.now());
      return false;
    }
    const sms = { to: message.phone, body: message.body, channel: message.channel };
    // Its sender died mid-send: if Twilio has it, it went, and sending it again would double it.
    const earlier = message.takenOver ? await sender.findSent?.(sms, message.createdAt) : null;
    if (earlier) {
      await store.markSent(message.id, earlier, clock.now());
      logger.warn({ phone: maskPhone(message.phone), sid: earlier.sid, outbox: message.id }, "outbox message had gone");
      return true;
    }
    const renewing = setInterval(
      () => void store.renewLease(message, clock.now() + this.leaseMs).catch(() => undefined),
      Math.max(100, this.leaseMs / 4),
    );
    (renewing as { unref?: () => void }).unref?.();
    try {
      const sent = await sender.send(sms).finally(() => clearInterval(renewing));
      await store.markSent(message.id, sent, clock.now());
      logger.info({ phone: maskPhone(message.phone), sid: sent.sid, outbox: message.id }, "outbox message sent");
      return true;
    } catch (error) {
      const failure = error instanceof SmsSendError ? error : new SmsSendError(String(error), null, true);
      const now = clock.now();
      if (failure.code === 21610) {
        // Twilio says they texted STOP (perhaps to another of our numbers): mirror it, send nothing more.
        await store.setOptedOut(message.phone, true, now);
        await store.markFailed(message.id, "failed", failure.message, failure.code, now);
      } else if (failure.retryable && message.attempts + 1 < this.maxAttempts) {
        await store.markRetry(message.id, failure.message, failure.code, now + this.delay(message.attempts), now);
      } else {
        await store.markFailed(message.id, "failed", failure.message, failure.code, now);
      }
      logger.warn(
        { phone: maskPhone(message.phone), outbox: message.id, twilioError: failure.code, err: failure.message },
        "outbox send failed",
      );
      return false;
    }
  }
}
