import { twilioState } from "../support.js";
import { describeSignup } from "./signup.js";

// Verify sends the code itself (the fake keeps it); nothing else goes through the Messages API.
describeSignup(
  "Twilio Verify v2",
  "+14155570001",
  async (phone) => (await twilioState()).verifications[phone]?.code ?? null,
);
