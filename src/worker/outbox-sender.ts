import { DurableObject } from "cloudflare:workers";
import { composeConversation } from "../compose.js";
import { workerContext } from "./context.js";
import { localSmsNetwork } from "./local-sms-log.js";

// After a failed drain the alarm comes back at the next due message, but never sooner than this.
const MIN_ALARM_DELAY_MS = 1_000;

/**
 * The outbox's one sender on Workers (as the dispatcher is on Node): a turn that queued an SMS wakes it, its alarm
 * retries what Twilio refused. One object, and its alarms never overlap, so each message is sent once.
 */
export class OutboxSender extends DurableObject<Env> {
  private readonly parts = (() => {
    const context = workerContext(this.env);
    const { dispatcher, outbox } = composeConversation({ ...context, localSms: localSmsNetwork(this.env) });
    return { dispatcher, outbox };
  })();

  /** Drain now (the alarm runs at once): called after every turn that queued an SMS. */
  async kick(): Promise<void> {
    const now = Date.now();
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > now) await this.ctx.storage.setAlarm(now);
  }

  override async alarm(): Promise<void> {
    try {
      await this.parts.dispatcher.drain();
    } finally {
      const next = await this.parts.outbox.nextDueAt();
      if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + MIN_ALARM_DELAY_MS));
    }
  }
}

export function wakeOutbox(env: Env): Promise<void> {
  return env.OUTBOX.get(env.OUTBOX.idFromName("outbox")).kick();
}
