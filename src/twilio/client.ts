import twilio from "twilio";
import type { FetchHttpClient } from "./fetch-http-client.js";

/** What every call to Twilio's REST APIs needs: the account, and our HTTP client (timeouts, TWILIO_API_BASE_URL). */
export interface TwilioAccess {
  accountSid: string;
  authToken: string;
  httpClient: FetchHttpClient;
}

export type TwilioClient = ReturnType<typeof twilio>;

export function createTwilioClient({ accountSid, authToken, httpClient }: TwilioAccess): TwilioClient {
  return twilio(accountSid, authToken, { httpClient: httpClient as never, lazyLoading: true });
}
