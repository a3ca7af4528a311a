import { type OutboundCall, type SentSms, SmsSendError, type VoiceCaller } from "../conversation/ports.js";
import { INTL_LOCALE } from "../i18n/languages.js";
import { createTwilioClient, type TwilioAccess, type TwilioClient } from "./client.js";
import { toSentStatus } from "./delivery-status.js";
import { toSmsSendError } from "./messages-sender.js";

// Polly's neural voices by language: Twilio's <Say> reads with them; the basic "alice" has no Brazilian Portuguese.
const VOICE_LANGUAGE = { en: "en-US", es: "es-MX", fr: "fr-FR", de: "de-DE", pt: "pt-BR" } as const;

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/** TwiML that waits a second for the person to put the phone to their ear, then reads the text in their language. */
export function sayTwiml(call: Pick<OutboundCall, "say" | "language">): string {
  const language = VOICE_LANGUAGE[call.language] ?? INTL_LOCALE[call.language];
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="1"/><Say language="${language}">${escapeXml(call.say)}</Say></Response>`;
}

/** Digits spoken one by one, with a pause between them ("4, 8, 2, 9, 1, 3"): slow enough to write down. */
export const spokenDigits = (code: string) => [...code].join(", ");

export interface TwilioVoiceCallerOptions extends TwilioAccess {
  /** The caller ID: a Twilio number that can call (TWILIO_PHONE_NUMBER). */
  from: string | undefined;
}

/** Calls through Twilio's Calls API with inline TwiML (no URL for Twilio to fetch back). */
export class TwilioVoiceCaller implements VoiceCaller {
  private readonly client: () => Promise<TwilioClient>;

  constructor(private readonly options: TwilioVoiceCallerOptions) {
    this.client = createTwilioClient(options);
  }

  async call(call: OutboundCall): Promise<SentSms> {
    if (!this.options.from) throw new SmsSendError("a call needs TWILIO_PHONE_NUMBER as its caller ID", null, false);
    try {
      const created = await (await this.client()).calls.create({
        to: call.to,
        from: this.options.from,
        twiml: sayTwiml(call),
      });
      if (typeof created.sid !== "string")
        throw new SmsSendError("Twilio accepted the call but gave no sid", null, false);
      return { sid: created.sid, status: toSentStatus(created.status) };
    } catch (error) {
      if (error instanceof SmsSendError) throw error;
      throw toSmsSendError(error);
    }
  }
}
