import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.js";

const production = {
  TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "secret",
  TWILIO_PHONE_NUMBER: "+15005550006",
};

const errorOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a configuration error");
};

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

  it("refuses what cannot send, naming the variable", () => {
    expect(errorOf({ EMAIL_VERIFICATION: "yes" })).toMatch(/EMAIL_VERIFICATION: must be code or off/);
    expect(errorOf({ ...production, EMAIL_VERIFICATION: "code" })).toMatch(
      /EMAIL_SMTP_URL: or SENDGRID_API_KEY is required when EMAIL_VERIFICATION=code/,
    );
    expect(errorOf({ EMAIL_SMTP_URL: "http://mail.example.com" })).toMatch(/EMAIL_SMTP_URL: must be smtp:/);
    expect(errorOf({ EMAIL_SMTP_URL: "smtp://127.0.0.1:25" })).toMatch(/EMAIL_FROM: is required to send email/);
    expect(
      errorOf({ EMAIL_SMTP_URL: "smtp://127.0.0.1:25", SENDGRID_API_KEY: "SG.key", EMAIL_FROM: "a@example.com" }),
    ).toMatch(/SENDGRID_API_KEY: set only one of EMAIL_SMTP_URL and SENDGRID_API_KEY/);
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
