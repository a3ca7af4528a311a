import { productionEnv } from "./service.js";

export const VERIFY_SERVICE_SID = `VA${"c".repeat(32)}`;

/** Production-mode settings with the Verify provider, every Twilio call going to one fake. */
export function verifyEnv(twilioUrl: string): Record<string, string> {
  return { ...productionEnv(twilioUrl), VERIFICATION_PROVIDER: "verify", TWILIO_VERIFY_SERVICE_SID: VERIFY_SERVICE_SID };
}
