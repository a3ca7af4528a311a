import { describe, expect, it } from "vitest";
import { TEST_CREDENTIALS } from "../test/support/credentials.js";
import { parseConfig } from "./config.js";

const SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
// A Guernsey number: the send guard allows the country of the sending number by default.
const production = { ...TEST_CREDENTIALS, TWILIO_PHONE_NUMBER: "+447911123456" };

describe("configuration of the product webhook, metrics and send guard", () => {
  it("has no webhook and every guard at its default without settings", () => {
    const config = parseConfig({});
    expect(config.webhook).toBeNull();
    expect(config.metricsToken).toBeUndefined();
    expect(config.sendGuard).toEqual({
      allowedCountries: null,
      perPrefixPerHour: 20,
      perCountryPerHour: 200,
      perHour: 1000,
    });
  });

  it("takes the allowed country from the sending number unless ALLOWED_COUNTRIES names some", () => {
    expect(parseConfig(production).sendGuard.allowedCountries).toEqual(["GG"]);
    expect(parseConfig({ ...production, TWILIO_PHONE_NUMBER: "+14155550123" }).sendGuard.allowedCountries).toEqual([
      "US",
    ]);
    expect(parseConfig({ ...production, ALLOWED_COUNTRIES: "gb, us" }).sendGuard.allowedCountries).toEqual([
      "GB",
      "US",
    ]);
  });

  it("reads the webhook settings", () => {
    const config = parseConfig({
      SIGNUP_WEBHOOK_URL: "https://product.example/hooks/",
      SIGNUP_WEBHOOK_SECRET: SECRET,
      SUCCESS_AFTER_WEBHOOK: "true",
      WEBHOOK_GIVE_UP_AFTER_SECONDS: "3600",
      CODES_PER_HOUR: "0",
    });
    expect(config.webhook).toEqual({
      url: "https://product.example/hooks",
      secret: SECRET,
      successAfterWebhook: true,
      giveUpAfterMs: 3_600_000,
    });
    expect(config.sendGuard.perHour).toBe(0);
  });
});
