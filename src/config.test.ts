import { describe, expect, it } from "vitest";
import { LOCAL_ACCOUNT_SID, parseConfig } from "./config.js";

describe("configuration", () => {
  it("runs in local mode with no settings at all", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      publicUrl: "http://localhost:3000",
      localMode: true,
      provider: "local",
    });
    expect(config.databaseUrl).toBe("file:./data/sms-signup.sqlite");
    expect(config.twilio.accountSid).toBe(LOCAL_ACCOUNT_SID);
    expect(config.signupKeywords).toEqual(["SIGNUP"]);
    expect(config.limits).toEqual({
      codeTtlMs: 600_000,
      maxWrongCodes: 5,
      resendCooldownMs: 30_000,
      maxSendsPerWindow: 5,
      sendWindowMs: 600_000,
      maxEmailAttempts: 5,
      idleTimeoutMs: 86_400_000,
    });
  });

  it("switches to production with real credentials", () => {
    const config = parseConfig({
      TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "secret",
      TWILIO_PHONE_NUMBER: "+15005550006",
      PUBLIC_URL: "https://bot.example.com/",
      SIGNUP_KEYWORDS: "signup, join",
      CODE_TTL_SECONDS: "120",
    });
    expect(config.localMode).toBe(false);
    expect(config.publicUrl).toBe("https://bot.example.com");
    expect(config.signupKeywords).toEqual(["SIGNUP", "JOIN"]);
    expect(config.limits.codeTtlMs).toBe(120_000);
  });

  it.each([
    [{ PORT: "http" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ TWILIO_ACCOUNT_SID: "nope", TWILIO_AUTH_TOKEN: "x", TWILIO_PHONE_NUMBER: "+15005550006" }, "TWILIO_ACCOUNT_SID"],
    [{ TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}` }, "TWILIO_AUTH_TOKEN"],
    [{ TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`, TWILIO_AUTH_TOKEN: "x" }, "TWILIO_PHONE_NUMBER"],
    [{ VERIFICATION_PROVIDER: "sms" }, "VERIFICATION_PROVIDER"],
    [{ VERIFICATION_PROVIDER: "authy" }, "AUTHY_API_KEY"],
    [{ VERIFICATION_PROVIDER: "verify" }, "TWILIO_VERIFY_SERVICE_SID"],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
    [{ SIGNUP_KEYWORDS: "sign up" }, "SIGNUP_KEYWORDS"],
    [{ MAX_WRONG_CODES: "0" }, "MAX_WRONG_CODES"],
    [{ PUBLIC_URL: "ftp://x" }, "PUBLIC_URL"],
  ])("refuses %j, naming %s", (env, name) => {
    expect(() => parseConfig(env)).toThrow(new RegExp(`^Invalid configuration:[\\s\\S]*${name}`));
  });
  it("reads the language settings and the WhatsApp sender, refusing what it cannot use", () => {
    expect(parseConfig({}).defaultLanguage).toBe("en");
    expect(parseConfig({ DEFAULT_LANGUAGE: "ES" }).defaultLanguage).toBe("es");
    expect(() => parseConfig({ DEFAULT_LANGUAGE: "it" })).toThrow(
      "DEFAULT_LANGUAGE: must be one of en, es, fr, de, pt",
    );
    expect(parseConfig({ TWILIO_WHATSAPP_NUMBER: "+14155238886" }).twilio.whatsappNumber).toBe("whatsapp:+14155238886");
    expect(parseConfig({ TWILIO_WHATSAPP_NUMBER: "whatsapp:+14155238886" }).twilio.whatsappNumber).toBe(
      "whatsapp:+14155238886",
    );
    expect(() => parseConfig({ TWILIO_WHATSAPP_NUMBER: "whatsapp:4155238886" })).toThrow("TWILIO_WHATSAPP_NUMBER");
    expect(() => parseConfig({ LOOKUP_LINE_TYPE: "true" })).toThrow("LOOKUP_LINE_TYPE: needs Twilio credentials");
  });
});
