import { DurableObject } from "cloudflare:workers";
import type { LocalSmsNetwork } from "../compose.js";
import type { OutboundCall, OutboundSms, SentSms } from "../conversation/ports.js";
import { type LocalSms, LogSmsSender } from "../twilio/log-sender.js";
import { workerContext } from "./context.js";

/**
 * Local mode's SMS (and calls) "network" on Workers: one object, so that what a phone's object "sent" is what `npm run chat`
 * reads from GET /local/outbox, whichever isolate serves that request.
 */
export class LocalSmsLog extends DurableObject<Env> {
  private readonly sender = new LogSmsSender(workerContext(this.env).logger);

  async send(sms: OutboundSms): Promise<SentSms> {
    return this.sender.send(sms);
  }

  async call(call: OutboundCall): Promise<SentSms> {
    return this.sender.call(call);
  }

  async sentTo(phone: string, afterId: number): Promise<LocalSms[]> {
    return this.sender.sentTo(phone, afterId);
  }
}

export function localSmsNetwork(env: Env): LocalSmsNetwork {
  const log = () => env.LOCAL_SMS.get(env.LOCAL_SMS.idFromName("local"));
  return {
    send: (sms) => log().send(sms),
    call: (call) => log().call(call),
    sentTo: (phone, afterId) => log().sentTo(phone, afterId),
  };
}
