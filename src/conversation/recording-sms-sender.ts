import type { Clock, OutboundCall, OutboundSms, SentRecord, SentSms, SmsSender, VoiceCaller } from "./ports.js";

/**
 * Keeps every SMS a provider sends (the code SMS), and every call it places, with the code masked, until the turn
 * that caused it takes it into its own commit: the transcript line costs no commit of its own. Turns of one phone
 * run one at a time, so what is kept for a phone belongs to its running turn.
 */
export class RecordingSmsSender implements SmsSender {
  private readonly kept = new Map<string, SentRecord[]>();

  constructor(
    private readonly inner: SmsSender,
    private readonly clock: Clock,
  ) {}

  async send(sms: OutboundSms): Promise<SentSms> {
    const sent = await this.inner.send(sms);
    this.keep(sms.to, {
      body: sms.transcriptBody ?? sms.body,
      sent,
      at: this.clock.now(),
      medium: sms.channel ?? "sms",
    });
    return sent;
  }

  /** The same record for calls: a call that read a code out is a line of the transcript too (medium "call"). */
  recordingCalls(caller: VoiceCaller): VoiceCaller {
    return {
      call: async (call: OutboundCall) => {
        const placed = await caller.call(call);
        this.keep(call.to, { body: call.transcriptText, sent: placed, at: this.clock.now(), medium: "call" });
        return placed;
      },
    };
  }

  /** What was sent to the phone since the last take. */
  take(phone: string): SentRecord[] {
    const kept = this.kept.get(phone) ?? [];
    this.kept.delete(phone);
    return kept;
  }

  private keep(phone: string, record: SentRecord): void {
    const kept = this.kept.get(phone);
    if (kept) kept.push(record);
    else this.kept.set(phone, [record]);
  }
}
