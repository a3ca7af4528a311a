import { DurableObject } from "cloudflare:workers";
import { composeConversation } from "../compose.js";
import type { InboundSms, TurnOutcome } from "../conversation/engine.js";
import { KeyedLock } from "../conversation/keyed-lock.js";
import { InProcessPhoneSerializer, PHONE_BACKLOG } from "../conversation/phone-serializer.js";
import type { ErasureCounts } from "../conversation/ports.js";
import { workerContext } from "./context.js";
import { localSmsNetwork } from "./local-sms-log.js";
import { wakeOutbox } from "./outbox-sender.js";

/**
 * One object per phone (idFromName(phone)): every turn, reset and erasure of that phone runs here, one at a time,
 * whichever Worker isolate received the webhook. This is Workers' per-phone serialization.
 */
export class PhoneConversation extends DurableObject<Env> {
  private readonly wakeUps: Promise<void>[] = [];
  private readonly engine = composeConversation({
    ...workerContext(this.env),
    // This object is the only place the phone's turns run: a queue in its memory serializes them all.
    serializer: new InProcessPhoneSerializer(workerContext(this.env).store, new KeyedLock(PHONE_BACKLOG)),
    localSms: localSmsNetwork(this.env),
    onOutbox: () => this.wakeUps.push(wakeOutbox(this.env)),
    // The email outbox has the same one sender: the phone's object only wakes it.
    onEmail: () => this.wakeUps.push(wakeOutbox(this.env)),
  }).engine;

  async handle(sms: InboundSms): Promise<TurnOutcome> {
    return this.thenWakeOutbox(this.engine.handle(sms));
  }

  async reset(phone: string, operator: string): Promise<void> {
    return this.thenWakeOutbox(this.engine.reset(phone, operator));
  }

  async erase(phone: string, operator: string): Promise<ErasureCounts> {
    return this.thenWakeOutbox(this.engine.erase(phone, operator));
  }

  /** The outbox sender is told before the answer leaves, so that its wake-up cannot be lost with this request. */
  private async thenWakeOutbox<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      const logger = workerContext(this.env).logger;
      for (const wakeUp of this.wakeUps.splice(0))
        await wakeUp.catch((error) => logger.error({ err: error }, "outbox wake-up failed; the cron will send it"));
    }
  }
}

/** The engine as the app sees it, with each call run by the phone's own object. */
export function phoneEngines(env: Env) {
  const phone = (number: string) => env.PHONES.get(env.PHONES.idFromName(number));
  return {
    handle: (sms: InboundSms): Promise<TurnOutcome> => phone(sms.from).handle(sms),
    reset: (number: string, operator: string): Promise<void> => phone(number).reset(number, operator),
    erase: (number: string, operator: string): Promise<ErasureCounts> => phone(number).erase(number, operator),
  };
}
