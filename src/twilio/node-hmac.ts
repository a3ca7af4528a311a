// Node only: the webhook signature's HMAC through node:crypto, synchronous. Web Crypto's, on Node, hands each one to
// the thread pool and back: about a tenth of a SIGNUP's CPU, for a hash of a few hundred bytes.
import { createHmac } from "node:crypto";
import type { HmacSha1 } from "./signature.js";

export const nodeHmacSha1: HmacSha1 = (key, data) => createHmac("sha1", key).update(data).digest("base64");
