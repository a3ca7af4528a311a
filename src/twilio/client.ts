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
 * The SDK is loaded at the first call to Twilio, not at start: loading it was a fifth of the start's CPU, and most
 * starts (local mode, a webhook that only replies) need it late or never.
 */
export function createTwilioClient({ accountSid, authToken, httpClient }: TwilioAccess): () => Promise<TwilioClient> {
  let client: Promise<TwilioClient> | null = null;
  return () => {
    client ??= import("twilio").then(({ default: create }) =>
      create(accountSid, authToken, { httpClient: httpClient as never, lazyLoading: true }),
    );
    return client;
  };
}
