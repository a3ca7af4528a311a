import { describe, expect, it } from "vitest";
import { TEST_CREDENTIALS } from "../test/support/credentials.js";
import { parseConfig } from "./config.js";

const production = TEST_CREDENTIALS;

describe("email configuration", () => {
  it("keeps today's conversation by default", () => {
    expect(parseConfig({}).email).toMatchObject({ verification: "off", smtpUrl: undefined });
  });

  it("runs the email step in local mode with no transport: emails go to the log", () => {
    expect(parseConfig({ EMAIL_VERIFICATION: "code" }).email.verification).toBe("code");
  });

  it("takes SMTP or SendGrid, with a sender", () => {
    const smtp = parseConfig({
      ...production,
      EMAIL_VERIFICATION: "code",
      EMAIL_SMTP_URL: "smtp://user:pass@127.0.0.1:2525",
      EMAIL_FROM: "Sign-up <signup@example.com>",
    });
    expect(smtp.email).toMatchObject({
      smtpUrl: "smtp://user:pass@127.0.0.1:2525",
      from: "Sign-up <signup@example.com>",
    });
    const sendgrid = parseConfig({
      ...production,
      EMAIL_VERIFICATION: "code",
      SENDGRID_API_KEY: "SG.key",
      EMAIL_FROM: "signup@example.com",
    });
    expect(sendgrid.email.sendgrid).toEqual({ apiKey: "SG.key", apiUrl: "https://api.sendgrid.com" });
  });

  it("lets Verify's email channel carry the codes when the provider is verify", () => {
    const config = parseConfig({
      ...production,
      VERIFICATION_PROVIDER: "verify",
      TWILIO_VERIFY_SERVICE_SID: `VA${"2".repeat(32)}`,
      EMAIL_VERIFICATION: "code",
    });
    expect(config.email.verification).toBe("code");
  });
});
