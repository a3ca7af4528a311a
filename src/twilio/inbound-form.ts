import { z } from "zod";
import { E164 } from "../conversation/phone.js";
import type { WebhookParams } from "./signature.js";

const WHATSAPP_OR_E164 = new RegExp(`^(whatsapp:)?${E164.source.slice(1)}`);

const single = (params: WebhookParams, key: string) => {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
};

/** A message's id as Twilio writes it, in every webhook that names a message. */
export const messageSidField = z
  .string({ error: "MessageSid is required" })
  .regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "MessageSid must be SM or MM followed by 32 hex digits");

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
    .transform((from) =>
      from.startsWith("whatsapp:")
        ? { phone: from.slice("whatsapp:".length), channel: "whatsapp" as const }
        : { phone: from, channel: "sms" as const },
    ),
  Body: z
    .string({ error: "Body is required" })
    .max(1600 * 4, "Body is longer than any SMS")
    // No SMS carries one, and PostgreSQL cannot store one in text: refused here rather than failing every retry.
    .refine((body) => !body.includes("\u0000"), "Body must not contain a NUL character"),
  OptOutType: z.enum(["STOP", "START", "HELP"], { error: "OptOutType must be STOP, START or HELP" }).optional(),
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
