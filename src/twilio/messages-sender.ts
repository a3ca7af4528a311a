import { type OutboundSms, type SentSms, SmsSendError, type SmsSender } from "../conversation/ports.js";
import { failureReason } from "../http/retry.js";
import { createTwilioClient, type TwilioAccess, type TwilioClient } from "./client.js";
import { toSentStatus } from "./delivery-status.js";

export interface TwilioSmsSenderOptions extends TwilioAccess {
  /** The sender: a Twilio number, or a Messaging Service (which then picks the number). */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /**
   * The WhatsApp sender, `whatsapp:+…` (TWILIO_WHATSAPP_NUMBER). Without it WhatsApp goes through the Messaging
   * Service (which picks its WhatsApp sender), and without either a WhatsApp send fails, naming the setting.
   */
  whatsappFrom?: string | undefined;
  /** Where Twilio reports delivery (POST /sms/status). */
  statusCallback?: string | undefined;
}

/** Twilio's error, or a failure to reach it, as one error the callers can reason about. */
export function toSmsSendError(error: unknown): SmsSendError {
  const rest = error as { status?: number; code?: number; message?: string; name?: string };
  if (typeof rest.status === "number") {
    const retryable = rest.status === 429 || rest.status >= 500;
    return new SmsSendError(
      rest.message ?? `HTTP ${rest.status}`,
      typeof rest.code === "number" ? rest.code : null,
      retryable,
    );
  }
  // The SDK parses only 2xx bodies: Twilio accepted the message, so a retry would most likely send it twice.
  if (error instanceof SyntaxError)
    return new SmsSendError("Twilio accepted the message but its answer is not JSON", null, false);
  return new SmsSendError(`could not reach Twilio: ${failureReason(error)}`, null, true);
}

/** Sends SMS through Twilio's Messages API with the official SDK. */
export class TwilioSmsSender implements SmsSender {
  private readonly client: () => Promise<TwilioClient>;

  constructor(private readonly options: TwilioSmsSenderOptions) {
    this.client = createTwilioClient(options);
  }

  async send(sms: OutboundSms): Promise<SentSms> {
    const { whatsappFrom, messagingServiceSid } = this.options;
    if (sms.channel === "whatsapp" && !whatsappFrom && !messagingServiceSid) {
      throw new SmsSendError("a WhatsApp message needs TWILIO_WHATSAPP_NUMBER", null, false);
    }
    try {
      const message = await (await this.client()).messages.create({
        ...(sms.channel === "whatsapp"
          ? whatsappFrom
            ? { to: `whatsapp:${sms.to}`, from: whatsappFrom }
            : { to: `whatsapp:${sms.to}`, messagingServiceSid }
          : this.options.messagingServiceSid
            ? { to: sms.to, messagingServiceSid: this.options.messagingServiceSid }
            : { to: sms.to, from: this.options.from ?? "" }),
        body: sms.body,
        ...(this.options.statusCallback ? { statusCallback: this.options.statusCallback } : {}),
      });
      if (typeof message.sid !== "string" || typeof message.status !== "string") {
        // Accepted (2xx) but not the resource we know: as above, not repeated.
        throw new SmsSendError("Twilio accepted the message but its answer has no sid", null, false);
      }
      return { sid: message.sid, status: toSentStatus(message.status) };
    } catch (error) {
      if (error instanceof SmsSendError) throw error;
      throw toSmsSendError(error);
    }
  }

  /** The newest messages to the phone (Twilio lists newest first), searched for this body since `since`. */
  async findSent(sms: OutboundSms, since: number): Promise<SentSms | null> {
    try {
      const to = sms.channel === "whatsapp" ? `whatsapp:${sms.to}` : sms.to;
      const recent = await (await this.client()).messages.list({ to, limit: 20 });
      // Twilio's dates have whole seconds; a minute of slack covers a clock between us and them.
      const match = recent.find(
        (message) => message.body === sms.body && (message.dateCreated?.getTime() ?? 0) >= since - 60_000,
      );
      return match ? { sid: match.sid, status: toSentStatus(match.status) } : null;
    } catch (error) {
      throw toSmsSendError(error);
    }
  }
}
