import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogSmsSender } from "../../src/twilio/log-sender.js";
import { ADMIN_TOKEN, adminApi, enc, signInPages } from "../support/admin.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { Scrape } from "../support/prometheus.js";
import { verifyEnv } from "../support/provider-env.js";
import { RunningService, TestClock } from "../support/service.js";

const REFUSED = "We can't send a code to this number right now.";
const CODE_SENT = "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.";
const HOUR = 60 * 60_000;

describe("SMS pumping defences: who may be sent a code", () => {
  let clock: TestClock;
  const running: RunningService[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const app = await RunningService.start({ env: { ADMIN_TOKEN, ALLOWED_COUNTRIES: "US", ...env }, clock });
    running.push(app);
    return app;
  };
  /** SIGNUP then an email: the turn that asks for a code. Its replies. */
  const ask = async (app: RunningService, phone: string) => {
    await app.sms(phone, "SIGNUP");
    return (await app.sms(phone, `${phone.slice(1)}@example.com`)).replies;
  };
  /** What local mode's SMS "network" carried to a phone: the code SMS are the only ones sent outside replies. */
  const smsTo = (app: RunningService, phone: string) => (app.service.sender as LogSmsSender).sentTo(phone, 0);
  const metrics = async (app: RunningService) => Scrape.parse(await (await fetch(`${app.url}/metrics`)).text());

  beforeEach(() => {
    clock = new TestClock();
  });
  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop();
  });

  it("200 sign-ups from one prefix in an hour: the prefix's cap, one neutral reply each, visible everywhere", async () => {
    const app = await start();
    const phones = Array.from({ length: 200 }, (_, i) => `+1415555${String(i).padStart(4, "0")}`);
    const replies: string[][] = [];
    for (let i = 0; i < phones.length; i += 10) {
      replies.push(...(await Promise.all(phones.slice(i, i + 10).map((phone) => ask(app, phone)))));
      clock.advance(10_000); // 200 in a little over 3 minutes
    }
    const sent = phones.filter((phone) => smsTo(app, phone).length > 0);
    expect(sent).toHaveLength(20);
    expect(replies.filter((r) => r[0] === CODE_SENT)).toHaveLength(20);
    const refused = phones.filter((phone) => smsTo(app, phone).length === 0);
    expect(refused).toHaveLength(180);
    expect(replies.filter((r) => r.length === 1 && r[0] === REFUSED)).toHaveLength(180);

    // The transcript and the timeline of a refused person say what happened; no code went.
    const detail = await adminApi(app, `/conversations/${enc(refused[0]!)}`);
    expect(detail.json.transcript.map((m: { body: string }) => m.body)).toContain(REFUSED);
    expect(detail.json.timeline.map((t: { event: string }) => t.event)).toContain("sendCode: blocked (prefix_cap)");
    expect(detail.json.state).toBe("awaitingEmail");

    // The dashboard's figures, the API's and the metrics agree.
    const defences = await adminApi(app, "/defences?hours=1");
    expect(defences.json).toMatchObject({
      sent: 20,
      refusals: { prefix_cap: 180, country: 0, number_type: 0, country_cap: 0, global_budget: 0 },
      cappedPrefixes: [{ prefix: "+1415555", country: "US", refused: 180 }],
    });
    expect((await metrics(app)).value("sms_signup_sends_refused_total", { reason: "prefix_cap" })).toBe(180);
    const { cookie } = await signInPages(app);
    const dashboard = await (await fetch(`${app.url}/admin`, { headers: { cookie } })).text();
    expect(dashboard).toMatch(/data-reason="prefix_cap"><td>prefix over its hourly cap<\/td><td>180<\/td>/);
    expect(dashboard).toContain("+1415555…");

    // An hour on, the prefix may be sent codes again.
    clock.advance(HOUR);
    expect(await ask(app, "+14155550500")).toEqual([CODE_SENT]);
  }, 120_000); // 400 webhooks: on a busy machine this can take longer than the default 30 s

  it("refuses premium-rate, toll-free and numbers that are not numbers; no provider request leaves", async () => {
    const twilio = await FakeTwilio.start();
    try {
      const app = await start(verifyEnv(twilio.url));
      for (const phone of ["+19005551234", "+18005551212", "+15551234567"]) {
        expect(await ask(app, phone)).toEqual([REFUSED]);
        expect(twilio.verifyRequests("Verifications", phone)).toEqual([]);
      }
      expect(await ask(app, "+14155550123")).toEqual([CODE_SENT]);
      // The last has no country at all: refused as outside ALLOWED_COUNTRIES before its type is asked.
      const scrape = await metrics(app);
      expect(scrape.value("sms_signup_sends_refused_total", { reason: "number_type" })).toBe(2);
      expect(scrape.value("sms_signup_sends_refused_total", { reason: "country" })).toBe(1);
    } finally {
      await twilio.close();
    }
  });

  it("refuses a country outside ALLOWED_COUNTRIES", async () => {
    const app = await start();
    // The neutral reply, in the person's language.
    expect(await ask(app, "+4915112345678")).toEqual(["Wir können gerade keinen Code an diese Nummer senden."]);
    expect(smsTo(app, "+4915112345678")).toEqual([]);
    const detail = await adminApi(app, `/conversations/${enc("+4915112345678")}`);
    expect(detail.json.timeline.map((t: { event: string }) => t.event)).toContain("sendCode: blocked (country)");
    const other = await start({ ALLOWED_COUNTRIES: "US,DE" });
    await ask(other, "+4915112345678"); // answered in German: the code SMS is what counts
    expect(smsTo(other, "+4915112345678")).toHaveLength(1);
  });

  it("a country's cap and the global hourly budget", async () => {
    const capped = await start({ CODES_PER_COUNTRY_PER_HOUR: "2" });
    expect(await ask(capped, "+14155550101")).toEqual([CODE_SENT]);
    expect(await ask(capped, "+12025550143")).toEqual([CODE_SENT]);
    expect(await ask(capped, "+16285550100")).toEqual([REFUSED]);
    expect((await adminApi(capped, "/defences")).json.refusals.country_cap).toBe(1);

    const budget = await start({ CODES_PER_HOUR: "3", ALLOWED_COUNTRIES: "US,DE" });
    for (const phone of ["+14155550101", "+12025550143", "+16505550123"]) {
      expect(await ask(budget, phone)).toEqual([CODE_SENT]);
    }
    expect(await ask(budget, "+16285550100")).toEqual([REFUSED]);
    expect(smsTo(budget, "+16285550100")).toEqual([]);
    expect((await metrics(budget)).value("sms_signup_sends_refused_total", { reason: "global_budget" })).toBe(1);
  });

  it("an operator allows a number from the pages and a prefix from the API, in spite of the guard", async () => {
    const app = await start({ CODES_PER_PREFIX_PER_HOUR: "1" });
    expect(await ask(app, "+14155550101")).toEqual([CODE_SENT]);
    expect(await ask(app, "+14155550102")).toEqual([REFUSED]);

    // The pages: a number, with a note.
    const { cookie, csrf } = await signInPages(app);
    const form = (body: Record<string, string>) =>
      fetch(`${app.url}/admin/allowances`, {
        method: "POST",
        headers: { cookie, origin: app.url, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf, ...body }),
        redirect: "manual",
      });
    const bad = await form({ pattern: "+1" });
    expect(bad.headers.get("location")).toBe("/admin?done=allowance-invalid#defences");
    const added = await form({ pattern: "+14155550102", note: "support ticket 4411" });
    expect(added.headers.get("location")).toBe("/admin?done=allowance-added#defences");
    clock.advance(60_000);
    expect(await ask(app, "+14155550102")).toEqual([CODE_SENT]);
    expect(await ask(app, "+14155550103")).toEqual([REFUSED]);

    // The API: a prefix, premium-rate numbers included; then removed again.
    expect((await adminApi(app, "/allowances", { method: "POST", body: "{}" })).status).toBe(400);
    const allowed = await adminApi(app, "/allowances", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pattern: "+1900555" }),
    });
    expect(allowed).toMatchObject({ status: 200, json: { pattern: "+1900555", createdBy: "operator (API)" } });
    expect(await ask(app, "+19005551234")).toEqual([CODE_SENT]);
    const list = (await adminApi(app, "/defences")).json.allowances;
    expect(list.map((a: { pattern: string }) => a.pattern)).toEqual(["+1900555", "+14155550102"]);
    expect(list[1]).toMatchObject({ note: "support ticket 4411", createdBy: "operator (pages)" });
    expect((await adminApi(app, `/allowances/${allowed.json.id}`, { method: "DELETE" })).status).toBe(200);
    clock.advance(60_000);
    expect(await ask(app, "+19005559999")).toEqual([REFUSED]);
  });
});
