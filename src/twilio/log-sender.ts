import type { Logger, OutboundSms, SentSms, SmsSender } from "../conversation/ports.js";

/**
 * Local mode's SMS "network": every outbound SMS goes to the log, in full. Showing the code is the point here:
 * it is how a developer without a Twilio account completes a sign-up.
 */
export class LogSmsSender implements SmsSender {
  private sequence = 0;

  constructor(private readonly logger: Logger) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    this.sequence += 1;
    const sid = `SMlocal${Date.now().toString(16)}${this.sequence.toString(16).padStart(8, "0")}`;
    this.logger.info({ sms: { to: sms.to, body: sms.body, sid } }, "local mode: SMS not sent, logged instead");
    return { sid, status: "delivered" };
  }
}
