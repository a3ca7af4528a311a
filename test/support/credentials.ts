// Twilio settings of production's shape, for tests: light enough for the configuration's unit tests to import.
export const TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef";
export const TEST_ACCOUNT_SID = `AC${"a".repeat(32)}`;
export const TEST_TWILIO_NUMBER = "+15005550006";

/** The three settings that switch the service from local mode to production. */
export const TEST_CREDENTIALS = {
  TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
  TWILIO_PHONE_NUMBER: TEST_TWILIO_NUMBER,
};
