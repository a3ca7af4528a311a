import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastLocalCode } from "../support/admin.js";
import { Scrape } from "../support/prometheus.js";
import { RunningService } from "../support/service.js";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const ANA = "+14155550101";
const BEN = "+14155550102";
const CY = "+14155550103";
const PREMIUM = "+19005551234";

describe("GET /metrics after a scripted set of conversations", () => {
  let app: RunningService;
  let scrape: Scrape;

  beforeAll(async () => {
    app = await RunningService.start({ env: { METRICS_TOKEN, ALLOWED_COUNTRIES: "US" } });
    // Ana signs up; Ben starts, gets the email wrong, asks for help; Cy says hello; a premium-rate number is refused.
    await app.sms(ANA, "SIGNUP");
    await app.sms(ANA, "ana@example.com");
    const answered = await app.sms(ANA, lastLocalCode(app, ANA));
    await app.sms(BEN, "SIGNUP");
    await app.sms(BEN, "ben at example");
    await app.sms(BEN, "HELP");
    await app.sms(CY, "hello");
    await app.sms(PREMIUM, "SIGNUP");
    await app.sms(PREMIUM, "pay@example.com");
    // Twilio redelivers Ana's code message: answered from the first reply, not a new message.
    await app.post("/sms", redelivery(app, ANA, answered.messageSid));
    // A forged webhook.
    expect((await app.post("/sms", { From: CY, Body: "x", MessageSid: `SM${"f".repeat(32)}` }, "bad")).status).toBe(
      403,
    );
    await app.service.dispatcher.drain();

    const response = await fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    scrape = await Scrape.parse(await response.text());
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("is refused without the token when METRICS_TOKEN is set", async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("counts inbound messages by intent and channel, redeliveries excluded", () => {
    const inbound = (intent: string) => scrape.value("sms_signup_inbound_messages_total", { intent, channel: "sms" });
    expect(inbound("signup")).toBe(3);
    expect(inbound("text")).toBe(5);
    expect(inbound("help")).toBe(1);
    expect(inbound("optOut")).toBe(0);
    // Every turn is timed, the redelivery too.
    expect(scrape.count("sms_signup_turn_duration_seconds")).toBe(10);
  });

  it("counts transitions, sign-ups started and verified, and refused sends", () => {
    const moved = (from: string, to: string) => scrape.value("sms_signup_transitions_total", { from, to });
    expect(moved("new", "awaitingEmail")).toBe(3);
    expect(moved("awaitingEmail", "checkingEmail")).toBe(2);
    expect(moved("checkingEmail", "sendingCode")).toBe(2);
    expect(moved("sendingCode", "awaitingCode")).toBe(1);
    expect(moved("sendingCode", "awaitingEmail")).toBe(1);
    expect(moved("awaitingCode", "checkingCode")).toBe(1);
    expect(moved("checkingCode", "verified")).toBe(1);
    expect(scrape.value("sms_signup_signups_started_total")).toBe(3);
    expect(scrape.value("sms_signup_signups_verified_total")).toBe(1);
    expect(scrape.value("sms_signup_sends_refused_total", { reason: "number_type" })).toBe(1);
  });

  it("counts and times provider calls by outcome; refused sends never reach the provider", () => {
    const calls = (operation: string, outcome: string) =>
      scrape.value("sms_signup_provider_calls_total", { provider: "local", operation, outcome });
    expect(calls("send", "sent")).toBe(1);
    expect(calls("check", "approved")).toBe(1);
    expect(scrape.count("sms_signup_provider_call_duration_seconds", { provider: "local", operation: "send" })).toBe(1);
    expect(scrape.count("sms_signup_provider_call_duration_seconds", { provider: "local", operation: "check" })).toBe(
      1,
    );
  });

  it("counts webhook rejections by reason and reports the outboxes from the database", () => {
    expect(scrape.value("sms_signup_webhook_rejections_total", { reason: "signature does not match" })).toBe(1);
    expect(scrape.value("sms_signup_outbox_depth", { outbox: "sms" })).toBe(0);
    expect(scrape.value("sms_signup_outbox_depth", { outbox: "webhook" })).toBe(0);
    expect(scrape.value("sms_signup_outbox_oldest_age_seconds", { outbox: "sms" })).toBe(0);
  });

  it("never carries a phone number or an email in a label", () => {
    expect(scrape.labelValues.length).toBeGreaterThan(10);
    for (const value of scrape.labelValues) expect(value).not.toMatch(/\+?\d{7,}|@/);
  });
});

function redelivery(app: RunningService, from: string, messageSid: string): Record<string, string> {
  return {
    MessageSid: messageSid,
    SmsSid: messageSid,
    AccountSid: app.config.twilio.accountSid,
    From: from,
    To: "+15005550006",
    Body: "123456",
    NumMedia: "0",
    NumSegments: "1",
    ApiVersion: "2010-04-01",
  };
}
