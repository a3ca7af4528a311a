import { z } from "zod";
import { E164 } from "../conversation/phone.js";
import type { WebhookParams } from "./signature.js";

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const MAX_BODY = 1600 * 4;
const OPT_OUT_TYPES: ReadonlySet<string | undefined> = new Set([undefined, "STOP", "START", "HELP"]);
const WHATSAPP_OR_E164 = new RegExp(`^(whatsapp:)?${E164.source.slice(1)}`);

/** Who wrote, and on which channel: WhatsApp arrives on the same webhook as `whatsapp:+…`. */
const senderOf = (from: string) =>
  from.startsWith("whatsapp:")
    ? { phone: from.slice("whatsapp:".length), channel: "whatsapp" as const }
    : { phone: from, channel: "sms" as const };

const single = (params: WebhookParams, key: string) => {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
};

/** A message's id as Twilio writes it, in every webhook that names a message. */
export const messageSidField = z
  .string({ error: "MessageSid is required" })
  .regex(MESSAGE_SID, "MessageSid must be SM or MM followed by 32 hex digits");

/**
 * The fields we read from Twilio's "a message comes in" webhook. Twilio adds fields without notice, so anything
 * else is allowed (and was covered by the signature).
 */
export const inboundSmsSchema = z.object({
  MessageSid: messageSidField,
  // WhatsApp arrives on the same webhook as `whatsapp:+…`: one person, one conversation, whichever they use.
  From: z
    .string({ error: "From is required" })
    .regex(WHATSAPP_OR_E164, "From must be an E.164 phone number, like +15551234567, or whatsapp:+15551234567")
    .transform(senderOf),
  Body: z
    .string({ error: "Body is required" })
    .max(MAX_BODY, "Body is longer than any SMS")
    // No SMS carries one, and PostgreSQL cannot store one in text: refused here rather than failing every retry.
    .refine((body) => !body.includes("\u0000"), "Body must not contain a NUL character"),
  OptOutType: z
    .enum(["STOP", "START", "HELP"] as const, { error: "OptOutType must be STOP, START or HELP" })
    .optional(),
});

export type InboundSmsForm = z.infer<typeof inboundSmsSchema>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates webhook fields, answering with the first field that is wrong, named. */
export function parseForm<T>(schema: z.ZodType<T>, params: WebhookParams): FormResult<T> {
  const fields = Object.fromEntries(Object.keys(params).map((key) => [key, single(params, key)]));
  const result = schema.safeParse(fields);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: `Invalid webhook form: ${issue?.message ?? "unreadable"}` };
}

/**
 * parseForm(inboundSmsSchema, params), with the schema's checks written out for a form that passes them all (every
 * message Twilio sends): zod's object parse, on a copy of Twilio's twenty-odd fields, took ~8 us of a SIGNUP. A form
 * that fails any check goes to zod, which words the error.
 */
export function parseInboundSms(params: WebhookParams): FormResult<InboundSmsForm> {
  const messageSid = single(params, "MessageSid");
  const from = single(params, "From");
  const body = single(params, "Body");
  const optOutType = single(params, "OptOutType");
  if (
    typeof messageSid === "string" &&
    MESSAGE_SID.test(messageSid) &&
    typeof from === "string" &&
    WHATSAPP_OR_E164.test(from) &&
    typeof body === "string" &&
    body.length <= MAX_BODY &&
    !body.includes("\u0000") &&
    OPT_OUT_TYPES.has(optOutType)
  ) {
    const value: InboundSmsForm = {
      MessageSid: messageSid,
      From: senderOf(from),
      Body: body,
    };
    if (optOutType !== undefined) value.OptOutType = optOutType as NonNullable<InboundSmsForm["OptOutType"]>;
    return { ok: true, value };
  }
  return parseForm(inboundSmsSchema, params);
}
