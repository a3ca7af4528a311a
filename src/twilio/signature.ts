// X-Twilio-Signature on Web Crypto (Node and Workers alike): base64(HMAC-SHA1(authToken, url + sorted params)).
import { base64 } from "../security/base64.js";
import { equalBytes } from "../security/constant-time.js";

export type WebhookParams = Record<string, string | string[]>;

const encoder = new TextEncoder();

/** The string Twilio signs: the URL, then each key followed by its value(s), keys in plain string order. */
export function signingPayload(url: string, params: WebhookParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key] ?? "";
    // Repeated keys: Twilio's own SDK de-duplicates and sorts the values.
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const item of values) data += key + item;
  }
  return data;
}

/** base64(HMAC-SHA1(key, data)): Web Crypto here, anywhere; the Node entry hands in node:crypto's, which is sync. */
export type HmacSha1 = (key: string, data: string) => string | Promise<string>;

/**
 * Keys imported once per token: the import cost as much as the signature itself, on every webhook. The key, not the
 * promise of it, is kept: on Workers a promise must not outlive the request that made it.
 */
const keys = new Map<string, CryptoKey>();

export const webCryptoHmacSha1: HmacSha1 = async (authToken, data) => {
  let key = keys.get(authToken);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, [
      "sign",
    ]);
    if (keys.size >= 16) keys.clear(); // a process knows a token or two (a rotation, tests)
    keys.set(authToken, key);
  }
  return base64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data))));
};

export async function computeSignature(
  authToken: string,
  url: string,
  params: WebhookParams,
  hmac: HmacSha1 = webCryptoHmacSha1,
): Promise<string> {
  return hmac(authToken, signingPayload(url, params));
}

/** Checks a signature in constant time, so response time does not tell how much of a forgery was right. */
export async function isValidSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: WebhookParams,
  hmac: HmacSha1 = webCryptoHmacSha1,
): Promise<boolean> {
  if (!signature) return false;
  const expected = await computeSignature(authToken, url, params, hmac);
  return equalBytes(encoder.encode(expected), encoder.encode(signature));
}

/**
 * Form fields as Twilio signed them: every key, repeated keys as arrays, in linear time. No prototype: a field named
 * `__proto__` or `constructor` is a field like any other (on a plain object the first vanished from the signed
 * fields and the second collided with Object's own).
 */
export function formParams(form: URLSearchParams): WebhookParams {
  const params: WebhookParams = Object.create(null);
  for (const [key, value] of form) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[key] = [existing, value];
  }
  return params;
}
