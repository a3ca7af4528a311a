import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { formParams, isValidSignature, type WebhookParams } from "./signature.js";

/** Twilio refuses to read more than 64 kB from a webhook (error 11750); we refuse to read more either. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

export type WebhookVariables = { twilioParams: WebhookParams };

export interface WebhookGuardOptions {
  authToken: string;
  /** The base URL Twilio was configured with; behind a proxy the request's own URL differs from it. */
  publicUrl: string;
  onRejected?: (reason: string) => void;
}

/**
 * Checks X-Twilio-Signature against PUBLIC_URL + path (+ query) over every form field Twilio sent, before anything
 * else reads the body. Bad or missing: 403 and nothing stored. Over 64 kB: 413.
 */
export function twilioWebhook(options: WebhookGuardOptions): MiddlewareHandler<{ Variables: WebhookVariables }>[] {
  const limit = bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: (c) => c.text("Payload too large: a Twilio webhook is at most 64 kB.", 413),
  });
  const verify: MiddlewareHandler<{ Variables: WebhookVariables }> = async (c, next) => {
    const url = new URL(c.req.url);
    const signedUrl = `${options.publicUrl}${url.pathname}${url.search}`;
    const params = formParams(new URLSearchParams(await c.req.text()));
    if (!(await isValidSignature(options.authToken, c.req.header("X-Twilio-Signature"), signedUrl, params))) {
      options.onRejected?.(c.req.header("X-Twilio-Signature") ? "signature does not match" : "signature missing");
      return c.text("Forbidden: invalid or missing X-Twilio-Signature.", 403);
    }
    c.set("twilioParams", params);
    await next();
  };
  return [limit, verify];
}
