import { describe, expect, it } from "vitest";
import { ConfigError, LOCAL_ACCOUNT_SID, parseConfig } from "./config.js";
import REFUSALS from "./config-refusals.json" with { type: "json" };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

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

  // Every setting it cannot use, in one table (test vectors, as data): the refusal names it and says what is wrong.
  it.each(REFUSALS)("refuses $env: $error", ({ env, error }) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`^Invalid configuration:[\\s\\S]*${escapeRegExp(error)}`));
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
