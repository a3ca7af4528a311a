// Property-based fuzzing of everything the outside world can send: signed webhooks of arbitrary fields, values,
// Unicode, NULs, repeats and sizes, and every operator API query parameter, against the real app (SQLite here,
// PostgreSQL in the PostgreSQL pass). `npm run fuzz` runs 100,000 webhooks.
import { fc } from "@fast-check/vitest";
import twilio from "twilio";
import { describe, expect } from "vitest";
import { isRestingState } from "../../machines/signup.js";
import { ADMIN_TOKEN, adminApi } from "../support/admin.js";
import { newMessageSid, PUBLIC_URL, productionEnv, type RunningService, TEST_AUTH_TOKEN } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

const WEBHOOK_RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);
const API_RUNS = Math.max(200, Math.round(WEBHOOK_RUNS / 3));
/** Generous: a run is a few milliseconds, and a long `npm run fuzz` must not be cut short by the test timeout. */
const TIMEOUT_MS = Math.max(600_000, WEBHOOK_RUNS * 50);

const test = serviceTest({ env: (twilioUrl) => ({ ...productionEnv(twilioUrl), ADMIN_TOKEN }) });

/** A few phones, so conversations get somewhere; now and then one that is not a phone at all. */
const phone = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("+14155550201", "+14155550202", "+447700900123", "+351912345678") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
);
const text = fc.string({ unit: "binary", maxLength: 200 });
const body = fc.oneof(
  fc.constantFrom("SIGNUP", " signup ", "RESEND", "STOP", "START", "HELP", "YES", "123456", "ana@example.com"),
  fc.emailAddress(),
  text,
  fc.string({
    unit: fc.constantFrom("\u0000", "\u202E", "\uFEFF", "a", "é", "😀", "\n", "%", "&", "="),
    maxLength: 50,
  }),
  fc.string({ unit: "grapheme", minLength: 1000, maxLength: 2000 }),
);
const extraKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "MediaUrl0", "Body", "From", "NumMedia"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
);
/** A webhook as Twilio might send it, or bent: fields missing, extra, repeated. */
const webhook = fc.record({
  from: phone,
  body,
  optOutType: fc.option(fc.constantFrom("STOP", "START", "HELP", "stop", "NOPE"), { nil: undefined }),
  sid: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }),
  extra: fc.array(fc.tuple(extraKey, text), { maxLength: 8 }),
  dropBody: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  redeliver: fc.boolean(),
});

/** Signs with the twilio SDK's own signer over every field, repeated keys included, as Twilio does. */
async function post(app: RunningService, entries: [string, string][]) {
  const signed: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of entries) {
    const existing = signed[key];
    signed[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_URL}/sms`, signed as never);
  const form = new URLSearchParams();
  for (const [key, value] of entries) form.append(key, value);
  const response = await fetch(`${app.url}/sms`, {
    method: "POST",
    headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  return { status: response.status, text: await response.text() };
}

describe("fuzzing", () => {
  test(
    `signed webhooks of any shape: never a 500, accepted ones stored once, the machine resting after (${WEBHOOK_RUNS} runs)`,
    async ({ app }) => {
      let accepted = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(webhook, async (w) => {
          const sid = w.sid ?? newMessageSid();
          const entries: [string, string][] = [
            ["MessageSid", sid],
            ["SmsSid", sid],
            ["AccountSid", app.config.twilio.accountSid],
            ["From", w.from],
            ["To", "+15005550006"],
            ...(w.dropBody ? [] : [["Body", w.body] as [string, string]]),
            ...(w.optOutType === undefined ? [] : [["OptOutType", w.optOutType] as [string, string]]),
            ...w.extra,
          ];
          const first = await post(app, entries);
          expect([200, 400]).toContain(first.status);
          if (w.redeliver) expect((await post(app, entries)).status).toBe(first.status);
          if (first.status !== 200) {
            refused += 1;
            return;
          }
          accepted += 1;
          expect(await app.inbound({ messageSid: sid })).toHaveLength(1);
          const conversation = await app.db
            .selectFrom("conversations")
            .select("state")
            .where("phone", "=", w.from)
            .executeTakeFirst();
          expect(conversation && isRestingState(conversation.state)).toBe(true);
        }),
        { numRuns: WEBHOOK_RUNS },
      );
      console.log(`fuzz: ${WEBHOOK_RUNS} signed webhooks (${accepted} accepted, ${refused} refused with 400), no 500`);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    },
    TIMEOUT_MS,
  );

  test(
    `operator API query parameters of any value: a 400 naming the problem, never a 500 (${API_RUNS} runs per route)`,
    async ({ app }) => {
      const value = fc.oneof(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.bigInt().map(String),
        fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString())),
        fc.json(),
        fc.constantFrom("__proto__", "constructor", "\u0000", "+14155550201", "true", "new", "-1", "1e308"),
      );
      const routes: [string, string[]][] = [
        ["/conversations", ["state", "optedOut", "q", "activeAfter", "activeBefore", "limit", "cursor"]],
        ["/stats", ["from", "to"]],
        [`/conversations/${encodeURIComponent("+14155550201")}`, ["before", "limit"]],
        ["/conversations/%2B1%00", ["before"]],
      ];
      let calls = 0;
      for (const [path, names] of routes) {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.constantFrom(...names, "other"), value), { maxLength: 4 }),
            async (params) => {
              const query = new URLSearchParams(params);
              const response = await adminApi(app, `${path}?${query}`);
              calls += 1;
              expect([200, 400, 404], `${path}?${query} → ${response.text}`).toContain(response.status);
              if (response.status === 400) expect(response.json.error).toEqual(expect.any(String));
            },
          ),
          { numRuns: API_RUNS },
        );
      }
      console.log(`fuzz: ${calls} operator API calls, no 500`);
    },
    TIMEOUT_MS,
  );
});
