// How a message reaches a person. A person is one conversation whatever the channel; the channel travels with each
// message and decides how the answer goes.

/** What a person writes with: an SMS, or WhatsApp (Twilio writes `From=whatsapp:+…`). */
export type Channel = "sms" | "whatsapp";
export const CHANNELS: readonly Channel[] = ["sms", "whatsapp"];

/** How a code can reach them: by what they write with, or read out in a phone call. */
export type CodeChannel = Channel | "call";

/** What the transcript records for each message: the channel, a call, or an email (the email step's). */
export type Medium = CodeChannel | "email";
