// Node only: the webhook signature's HMAC through node:crypto, synchronous. Web Crypto's, on Node, hands each one to
// the thread pool and back: about a tenth of a SIGNUP's CPU, for a hash of a few hundred bytes.
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { HmacSha1 } from "./signature.js";

/** The token as a KeyObject, made once: a string key is converted on every createHmac (~15% of the HMAC). */
const keys = new Map<string, KeyObject>();

export const nodeHmacSha1: HmacSha1 = (key, data) => {
  let secret = keys.get(key);
  if (secret === undefined) {
    // The bytes createHmac takes a string key as.
    secret = createSecretKey(Buffer.from(key, "utf8"));
    if (keys.size >= 16) keys.clear(); // a process knows a token or two (a rotation, tests)
    keys.set(key, secret);
  }
  return createHmac("sha1", secret).update(data).digest("base64");
};
