import { describe, expect } from "vitest";
import { VERIFY_SERVICE_SID, verifyEnv } from "../support/provider-env.js";
import { type RunningService, TEST_ACCOUNT_SID, TestClock } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

let phoneCounter = 0;
/** A fresh US number per test, so tests share the service but not a conversation. */
const nextPhone = () => {
  phoneCounter += 1;
  return `+1415555${String(phoneCounter).padStart(4, "0")}`;
};
/** Emails are unique among verified accounts, so each phone signs up with its own. */
const emailOf = (phone: string) => `ana${phone.slice(1)}@example.com`;

const clock = new TestClock();
const test = serviceTest({ env: (twilioUrl) => ({ ...verifyEnv(twilioUrl), ALLOWED_COUNTRIES: "US,DE,CH" }), clock });

describe("sign-up with Twilio Verify v2", () => {
  async function toAwaitingCode(app: RunningService, phone: string) {
    await app.sms(phone, "SIGNUP");
    const sent = await app.sms(phone, emailOf(phone));
    expect(sent.replies).toEqual(["We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it."]);
    expect((await app.state(phone))?.state).toBe("awaitingCode");
  }

  test("starts a verification, checks the codes, and sends the success SMS", async ({ app, twilio }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);

    const [start] = twilio.verifyRequests("Verifications", phone);
    expect(start?.method).toBe("POST");
    expect(start?.path).toBe(`/v2/Services/${VERIFY_SERVICE_SID}/Verifications`);
    expect(Object.fromEntries(start!.form)).toEqual({ To: phone, Channel: "sms", Locale: "en" });
    expect(start?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${app.config.twilio.authToken}`).toString("base64")}`,
    );
    // Verify sends the code itself: nothing went through the Messages API.
    expect(twilio.bodiesTo(phone)).toEqual([]);

    expect((await app.sms(phone, "000000")).replies).toEqual(["That code isn't right. 4 tries left."]);
    const code = twilio.verifications.get(phone)!.code;
    expect((await app.sms(phone, code)).replies).toEqual([]);
    expect((await app.state(phone))?.state).toBe("verified");
    const checks = twilio.verifyRequests("VerificationCheck", phone);
    expect(checks.map((check) => Object.fromEntries(check.form))).toEqual([
      { To: phone, Code: "000000" },
      { To: phone, Code: code },
    ]);

    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(phone)).toEqual([`You did it! Signup complete :) Your account is ${emailOf(phone)}.`]);
    const user = await app.db.selectFrom("users").selectAll().where("phone", "=", phone).executeTakeFirstOrThrow();
    expect(user.verified_at).toBe(clock.now());

    const transcript = await app.db.selectFrom("messages").select("body").where("phone", "=", phone).execute();
    for (const text of [...transcript.map((m) => m.body), (await app.state(phone))?.snapshot ?? "", app.logger.text]) {
      expect(text).not.toContain(code);
    }
  });

  test("RESEND starts the verification again, which re-sends the same code; our cooldown still applies", async ({
    app,
    twilio,
  }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);
    const code = twilio.verifications.get(phone)!.code;

    expect((await app.sms(phone, "RESEND")).replies[0]).toMatch(/^Please wait \d+ seconds, then reply RESEND\.$/);
    expect(twilio.verifyRequests("Verifications", phone)).toHaveLength(1);

    clock.advance(31_000);
    expect((await app.sms(phone, "resend")).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    expect(twilio.verifyRequests("Verifications", phone)).toHaveLength(2);
    expect(twilio.verifications.get(phone)).toMatchObject({ code, sends: 2, status: "pending" });

    expect((await app.sms(phone, code)).replies).toEqual([]);
    expect((await app.state(phone))?.state).toBe("verified");
  });

  test("an expired verification (404, 20404) asks for RESEND, and the new code works", async ({ app, twilio }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);
    const oldCode = twilio.verifications.get(phone)!.code;
    twilio.expireVerification(phone);

    expect((await app.sms(phone, oldCode)).replies).toEqual(["That code has expired. Reply RESEND for a new one."]);
    expect((await app.state(phone))?.state).toBe("awaitingCode");

    clock.advance(31_000);
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    const fresh = twilio.verifications.get(phone)!;
    expect(fresh.status).toBe("pending");
    expect((await app.sms(phone, fresh.code)).replies).toEqual([]);
    expect((await app.state(phone))?.state).toBe("verified");
  });

  test("60202 (max check attempts) means too many tries: RESEND for a new code", async ({ app, twilio }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);
    twilio.faults.verify.push({
      kind: "status",
      status: 429,
      body: { code: 60202, message: "Max check attempts reached", status: 429 },
    });
    expect((await app.sms(phone, "123456")).replies).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect((await app.state(phone))?.state).toBe("awaitingCode");
    // Our own count now says the code is spent: no further check goes to Verify.
    const checks = twilio.verifyRequests("VerificationCheck", phone).length;
    expect((await app.sms(phone, "654321")).replies).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect(twilio.verifyRequests("VerificationCheck", phone)).toHaveLength(checks);
  });

  test("60203 (max send attempts) on RESEND says when to try again, and the live code still works", async ({
    app,
    twilio,
  }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);
    clock.advance(31_000);
    twilio.faults.verify.push({
      kind: "status",
      status: 429,
      body: { code: 60203, message: "Max send attempts reached", status: 429 },
    });
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "Too many codes were requested for this phone. Please try again in 10 minutes.",
    ]);
    expect((await app.state(phone))?.state).toBe("awaitingCode");
    expect((await app.sms(phone, twilio.verifications.get(phone)!.code)).replies).toEqual([]);
    expect((await app.state(phone))?.state).toBe("verified");
  });

  test("a real 60203 after five sends to one verification is answered the same way", async ({ app, twilio }) => {
    const phone = nextPhone();
    await toAwaitingCode(app, phone);
    twilio.verifications.get(phone)!.sends = 5;
    clock.advance(31_000);
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "Too many codes were requested for this phone. Please try again in 10 minutes.",
    ]);
  });

  test.for([
    [
      60200,
      400,
      "Invalid parameter: To",
      "We couldn't send a code to this number. Sign-up needs a mobile number that can receive SMS.",
    ],
    [60410, 403, "Verification delivery attempt blocked", "We can't send a code to this number right now."],
    [
      60605,
      403,
      "Verification delivery attempt blocked (geo permissions)",
      "We can't send a code to this number right now.",
    ],
  ] as const)(
    "start answered %i: a clear reply, back to asking for the email",
    async ([code, status, message, reply], { app, twilio }) => {
      const phone = nextPhone();
      await app.sms(phone, "SIGNUP");
      twilio.faults.verify.push({ kind: "status", status, body: { code, message, status } });
      expect((await app.sms(phone, emailOf(phone))).replies).toEqual([reply]);
      const conversation = await app.state(phone);
      expect(conversation?.state).toBe("awaitingEmail");
      expect(JSON.parse(conversation?.snapshot ?? "{}").context.email).toBeNull();
      // Not repeated: these are answers, not failures.
      expect(twilio.verifyRequests("Verifications", phone)).toHaveLength(1);
    },
  );

  test("asks Verify for the language the bot speaks: the country's, or DEFAULT_LANGUAGE where it has several", async ({
    app,
    twilio,
  }) => {
    const german = "+4915112345678";
    const swiss = "+41791234567";
    for (const phone of [german, swiss]) {
      await app.sms(phone, "SIGNUP");
      await app.sms(phone, emailOf(phone));
    }
    expect(twilio.verifyRequests("Verifications", german)[0]?.form.get("Locale")).toBe("de");
    expect(twilio.verifyRequests("Verifications", swiss)[0]?.form.get("Locale")).toBe("en");
  });
});
