import type twilio from "twilio";
import type { FetchHttpClient } from "./fetch-http-client.js";

/** What every call to Twilio's REST APIs needs: the account, and our HTTP client (timeouts, TWILIO_API_BASE_URL). */
export interface TwilioAccess {
  accountSid: string;
  authToken: string;
  httpClient: FetchHttpClient;
}

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * Loads the SDK (once per process). Local mode never needs it, so it is not a static import: loading it was a fifth
 * of the start's CPU. With real credentials the Node entry loads it before listening: loaded at the first call to
 * Twilio instead, inside the first sign-up's turn, it held up every request in flight for 100-200 ms.
 */
export const loadTwilioSdk = () => import("twilio");

export function createTwilioClient({ accountSid, authToken, httpClient }: TwilioAccess): () => Promise<TwilioClient> {
  let client: Promise<TwilioClient> | null = null;
  return () => {
    client ??= loadTwilioSdk().then(({ default: create }) =>
      create(accountSid, authToken, { httpClient: httpClient as never, lazyLoading: true }),
    );
    return client;
  };
}
