import { AUTHY_TEST_KEY } from "./fake-authy.js";
import { productionEnv } from "./service.js";

export const VERIFY_SERVICE_SID = `VA${"c".repeat(32)}`;

/** Production-mode settings with the Verify provider, every Twilio call going to one fake. */
export function verifyEnv(twilioUrl: string): Record<string, string> {
  return {
    ...productionEnv(twilioUrl),
    VERIFICATION_PROVIDER: "verify",
    TWILIO_VERIFY_SERVICE_SID: VERIFY_SERVICE_SID,
  };
}

/** Production-mode settings with the legacy Authy provider and the success SMS through the Twilio fake. */
export function authyEnv(twilioUrl: string, authyUrl: string): Record<string, string> {
  return {
    ...productionEnv(twilioUrl),
    VERIFICATION_PROVIDER: "authy",
    AUTHY_API_KEY: AUTHY_TEST_KEY,
    AUTHY_API_URL: authyUrl,
  };
}
