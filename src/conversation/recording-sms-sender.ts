import type { Clock, ConversationStore, OutboundSms, SentSms, SmsSender } from "./ports.js";

/** Puts every SMS a provider sends into the transcript, with the code masked, right after it is sent. */
export class RecordingSmsSender implements SmsSender {
  constructor(
    private readonly inner: SmsSender,
    private readonly store: Pick<ConversationStore, "recordSent">,
    private readonly clock: Clock,
  ) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    const sent = await this.inner.send(sms);
    await this.store.recordSent(sms.to, sms.transcriptBody ?? sms.body, sent, this.clock.now());
    return sent;
  }
}
