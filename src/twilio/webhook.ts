import type { Context, HonoRequest, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { formParams, type HmacSha1, isValidSignature, type WebhookParams } from "./signature.js";

/** Twilio refuses to read more than 64 kB from a webhook (error 11750); we refuse to read more either. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/** Twilio sends about 20 fields (a few more per media item); a form with more is not Twilio's. */
export const MAX_WEBHOOK_FIELDS = 1_000;

const utf8 = new TextDecoder();

export type WebhookVariables = { twilioParams: WebhookParams };

export interface WebhookGuardOptions {
  authToken: string;
  /** The base URL Twilio was configured with; behind a proxy the request's own URL differs from it. */
  publicUrl: string;
  onRejected?: (reason: string) => void;
  /** The HMAC the signature is checked with; Web Crypto's unless the runtime has a faster one (Node). */
  hmac?: HmacSha1 | undefined;
  /** The body as text; by default read as bytes and decoded, since workerd warns on every text() of a form body. */
  bodyText?: BodyText | undefined;
}

export type BodyText = (request: HonoRequest) => Promise<string>;

/** Node's: @hono/node-server's text() decodes the socket's buffer as is, where arrayBuffer() first copies it. */
export const textOfBody: BodyText = (request) => request.text();

const bytesOfBody: BodyText = async (request) => utf8.decode(await request.arrayBuffer());

/**
 * Checks X-Twilio-Signature against PUBLIC_URL + path (+ query) over every form field Twilio sent, before anything
 * else reads the body. Bad or missing: 403 and nothing stored. Over 64 kB: 413. Over MAX_WEBHOOK_FIELDS fields: 400.
 */
export function twilioWebhook(options: WebhookGuardOptions): MiddlewareHandler<{ Variables: WebhookVariables }>[] {
  const tooLarge = (c: Context) => c.text("Payload too large: a Twilio webhook is at most 64 kB.", 413);
  const streamed = bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: tooLarge });
  // What bodyLimit decides on a POST that says its length (Twilio's always do), from the headers alone: bodyLimit
  // first asks for `c.req.raw.body`, which on @hono/node-server builds a whole web Request with a ReadableStream
  // over the socket, and the form is then read through it (about a tenth of a SIGNUP's CPU). A POST always has a
  // body there; anything else (chunked, no length, GET) still goes through bodyLimit itself.
  const limit: MiddlewareHandler = async (c, next) => {
    if (c.req.method === "POST") {
      const length = c.req.header("Content-Length");
      if (length !== undefined && c.req.header("Transfer-Encoding") === undefined) {
        return Number.parseInt(length || "0", 10) > MAX_WEBHOOK_BYTES ? tooLarge(c) : next();
      }
    }
    return streamed(c, next);
  };
  const bodyText = options.bodyText ?? bytesOfBody;
  // Twilio posts to the same URL or two: each one's signed URL is worked out once (a URL parse per webhook).
  const signedUrls = new Map<string, string>();
  const signedUrlOf = (requestUrl: string) => {
    let signed = signedUrls.get(requestUrl);
    if (signed === undefined) {
      const url = new URL(requestUrl);
      signed = `${options.publicUrl}${url.pathname}${url.search}`;
      if (signedUrls.size >= 64) signedUrls.clear();
      signedUrls.set(requestUrl, signed);
    }
    return signed;
  };
  const verify: MiddlewareHandler<{ Variables: WebhookVariables }> = async (c, next) => {
    const signedUrl = signedUrlOf(c.req.url);
    const form = new URLSearchParams(await bodyText(c.req));
    // Counted before anything costlier runs on an unsigned body: the signature's sort is the next step.
    if (form.size > MAX_WEBHOOK_FIELDS) {
      options.onRejected?.("too many fields");
      return c.text(`Bad request: a Twilio webhook has at most ${MAX_WEBHOOK_FIELDS} fields.`, 400);
    }
    const params = formParams(form);
    if (
      !(await isValidSignature(options.authToken, c.req.header("X-Twilio-Signature"), signedUrl, params, options.hmac))
    ) {
      options.onRejected?.(c.req.header("X-Twilio-Signature") ? "signature does not match" : "signature missing");
      return c.text("Forbidden: invalid or missing X-Twilio-Signature.", 403);
    }
    c.set("twilioParams", params);
    await next();
  };
  return [limit, verify];
}
