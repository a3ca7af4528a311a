import type { Logger, OutboundCall, OutboundSms, SentSms, SmsSender, VoiceCaller } from "../conversation/ports.js";
import { RecentLog } from "../local/recent-log.js";

/** One SMS local mode "sent", in full, for `npm run chat` to show as the phone would. */
export interface LocalSms {
  id: number;
  to: string;
  body: string;
  channel: "sms" | "whatsapp" | "call";
  sid: string;
  at: number;
}

/** What local mode "sent" each phone: in this process's memory on Node, in one Durable Object on Workers. */
export interface LocalSmsHistory {
  /** What was sent to `phone` after the SMS numbered `afterId`, oldest first. */
  sentTo(phone: string, afterId: number): LocalSms[] | Promise<LocalSms[]>;
}

/**
 * Local mode's SMS "network": every outbound SMS goes to the log, in full. Showing the code is the point here:
 * it is how a developer without a Twilio account completes a sign-up. The latest ones are also kept in memory
 * (bounded), so that a terminal "phone" can read what it was sent.
 */
export class LogSmsSender implements SmsSender, VoiceCaller, LocalSmsHistory {
  private readonly sent = new RecentLog<LocalSms>();

  constructor(private readonly logger: Logger) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    const id = this.sent.next();
    const sid = `SMlocal${Date.now().toString(16)}${id.toString(16).padStart(8, "0")}`;
    const channel = sms.channel ?? "sms";
    this.logger.info({ sms: { to: sms.to, channel, body: sms.body, sid } }, "local mode: SMS not sent, logged instead");
    this.sent.add({ id, to: sms.to, body: sms.body, channel, sid, at: Date.now() });
    return { sid, status: "delivered" };
  }

  /** A call local mode "placed": what it would have said, logged and kept like an SMS (channel "call"). */
  async call(call: OutboundCall): Promise<SentSms> {
    const id = this.sent.next();
    const sid = `CAlocal${Date.now().toString(16)}${id.toString(16).padStart(8, "0")}`;
    this.logger.info({ call: { to: call.to, say: call.say, sid } }, "local mode: call not placed, logged instead");
    this.sent.add({ id, to: call.to, body: call.say, channel: "call", sid, at: Date.now() });
    return { sid, status: "completed" };
  }

  /** What was sent to `phone` after the SMS numbered `afterId`, oldest first. */
  sentTo(phone: string, afterId: number): LocalSms[] {
    return this.sent.after(afterId, (sms) => sms.to === phone);
  }
}
