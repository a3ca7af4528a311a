import type { Clock, OutboundSms, SentRecord, SentSms, SmsSender } from "./ports.js";

/**
 * Keeps every SMS a provider sends (the code SMS), with the code masked, until the turn that caused it takes it
 * into its own commit: the transcript line costs no commit of its own. Turns of one phone run one at a time, so
 * what is kept for a phone belongs to its running turn.
 */
export class RecordingSmsSender implements SmsSender {
  private readonly kept = new Map<string, SentRecord[]>();

  constructor(
    private readonly inner: SmsSender,
    private readonly clock: Clock,
  ) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    const sent = await this.inner.send(sms);
    const record = { body: sms.transcriptBody ?? sms.body, sent, at: this.clock.now() };
    const kept = this.kept.get(sms.to);
    if (kept) kept.push(record);
    else this.kept.set(sms.to, [record]);
    return sent;
  }

  /** What was sent to the phone since the last take. */
  take(phone: string): SentRecord[] {
    const kept = this.kept.get(phone) ?? [];
    this.kept.delete(phone);
    return kept;
  }
}
