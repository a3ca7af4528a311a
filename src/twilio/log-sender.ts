import type { Logger, OutboundSms, SentSms, SmsSender } from "../conversation/ports.js";

/** One SMS local mode "sent", in full, for `npm run chat` to show as the phone would. */
export interface LocalSms {
  id: number;
  to: string;
  body: string;
  sid: string;
  at: number;
}

/**
 * Local mode's SMS "network": every outbound SMS goes to the log, in full. Showing the code is the point here:
 * it is how a developer without a Twilio account completes a sign-up. The latest ones are also kept in memory
 * (bounded), so that a terminal "phone" can read what it was sent.
 */
export class LogSmsSender implements SmsSender {
  private sequence = 0;
  private readonly sent: LocalSms[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly keep = 500,
  ) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    this.sequence += 1;
    const sid = `SMlocal${Date.now().toString(16)}${this.sequence.toString(16).padStart(8, "0")}`;
    this.logger.info({ sms: { to: sms.to, body: sms.body, sid } }, "local mode: SMS not sent, logged instead");
    this.sent.push({ id: this.sequence, to: sms.to, body: sms.body, sid, at: Date.now() });
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep);
    return { sid, status: "delivered" };
  }

  /** What was sent to `phone` after the SMS numbered `afterId`, oldest first. */
  sentTo(phone: string, afterId: number): LocalSms[] {
    return this.sent.filter((sms) => sms.to === phone && sms.id > afterId);
  }
}
