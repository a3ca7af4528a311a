// Node's faster ways to do what the core does with Web-standard APIs: given to the composition root by the Node
// entry (and by tests, which run the service as the Node entry does). Workers leave them out.
import { nodeHttpFetch } from "./http/node-http-fetch.js";
import { nodeHmacSha1 } from "./twilio/node-hmac.js";
import { textOfBody } from "./twilio/webhook.js";
import { nodeSha256 } from "./verification/node-sha256.js";

export const nodeAdapters = {
  /** The webhook signature's HMAC (node:crypto, synchronous). */
  hmac: nodeHmacSha1,
  /** How webhooks read their body: text(), straight from the socket's buffer (workerd warns on a form's text()). */
  bodyText: textOfBody,
  /** Calls to Twilio's REST APIs (node:http, kept-alive connections). */
  httpFetch: nodeHttpFetch,
  /** The hash our codes are kept as (node:crypto). */
  sha256: nodeSha256,
};
