import type { Hono } from "hono";
import { z } from "zod";
import type { Clock, DeliveryStatusStore, Logger } from "../conversation/ports.js";
import { isKnownStatus } from "./delivery-status.js";
import { messageSidField, parseForm } from "./inbound-form.js";
import type { WebhookVariables } from "./webhook.js";

/**
 * The fields we read from Twilio's status callback for an outbound message
 * (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
 */
export const statusCallbackSchema = z.object({
  MessageSid: messageSidField,
  MessageStatus: z
    .string({ error: "MessageStatus is required" })
    .regex(/^[a-z_]{1,32}$/, "MessageStatus must be a status word, like delivered"),
  ErrorCode: z
    .string()
    // Twilio's codes have five digits; nine keeps every accepted one inside a 32-bit integer column.
    .regex(/^\d{0,9}$/, "ErrorCode must be a number of at most nine digits")
    .optional()
    .transform((code) => (code ? Number(code) : null)),
});

export type StatusCallbackForm = z.infer<typeof statusCallbackSchema>;

export interface StatusCallbackParts {
  store: DeliveryStatusStore;
  logger: Logger;
  clock: Clock;
}

/**
 * POST /sms/status (mounted on the signed /sms sub-app, so the signature and body limit are already checked):
 * records queued / sent / delivered / undelivered / failed and the error code on the outbound message. Twilio gets
 * an empty 204 whatever we made of it, except a form that is not a status callback (400, like /sms).
 */
export function mountStatusCallback(webhook: Hono<{ Variables: WebhookVariables }>, parts: StatusCallbackParts): void {
  webhook.post("/status", async (c) => {
    const form = parseForm(statusCallbackSchema, c.get("twilioParams"));
    if (!form.ok) return c.text(form.message, 400);
    const { MessageSid: sid, MessageStatus: status, ErrorCode: errorCode } = form.value;
    if (!isKnownStatus(status)) {
      parts.logger.warn({ messageSid: sid, status }, "status callback with a status we do not know; ignored");
      return c.body(null, 204);
    }
    try {
      const outcome = await parts.store.recordDelivery(sid, status, errorCode, parts.clock.now());
      if (outcome === "unknown")
        parts.logger.warn({ messageSid: sid, status }, "status callback for a message we do not know");
      else parts.logger.info({ messageSid: sid, status, twilioError: errorCode, outcome }, "delivery status");
    } catch (error) {
      // A lost status is a gap in the operators' view, not in the conversation: no 5xx for Twilio to log.
      parts.logger.error({ err: error, messageSid: sid, status }, "could not record a delivery status");
    }
    return c.body(null, 204);
  });
}
