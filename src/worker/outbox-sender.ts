import { DurableObject } from "cloudflare:workers";
import { composeConversation } from "../compose.js";
import { workerContext } from "./context.js";
import { localSmsNetwork } from "./local-sms-log.js";

// After a failed drain the alarm comes back at the next due message, but never sooner than this.
const MIN_ALARM_DELAY_MS = 1_000;

/**
 * The outboxes' one sender on Workers (SMS, and the email step's emails by SendGrid through fetch) (as the dispatcher is on Node): a turn that queued an SMS wakes it, its alarm
 * retries what Twilio refused. One object, and its alarms never overlap, so each message is sent once.
 */
export class OutboxSender extends DurableObject<Env> {
  private readonly parts = (() => {
    const context = workerContext(this.env);
    const { dispatcher, outbox, emailDispatcher } = composeConversation({
      ...context,
      localSms: localSmsNetwork(this.env),
    });
    return { dispatcher, outbox, emailDispatcher };
  })();

  /** Drain now (the alarm runs at once): called after every turn that queued an SMS. */
  async kick(): Promise<void> {
    const now = Date.now();
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > now) await this.ctx.storage.setAlarm(now);
  }

  override async alarm(): Promise<void> {
    try {
      // Emails first: a final failure queues the SMS that says so, which the SMS drain then sends.
      await this.parts.emailDispatcher?.drain();
      await this.parts.dispatcher.drain();
    } finally {
      const dues = [await this.parts.outbox.nextDueAt(), (await this.parts.emailDispatcher?.nextDueAt()) ?? null];
      const next = dues.reduce<number | null>(
        (soonest, due) => (due !== null && (soonest === null || due < soonest) ? due : soonest),
        null,
      );
      if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + MIN_ALARM_DELAY_MS));
    }
  }
}

export function wakeOutbox(env: Env): Promise<void> {
  return env.OUTBOX.get(env.OUTBOX.idFromName("outbox")).kick();
}
