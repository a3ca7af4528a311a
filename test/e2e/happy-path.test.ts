import { describe, expect } from "vitest";
import { authyEnv } from "../support/provider-env.js";
import { TEST_ACCOUNT_SID, TEST_TWILIO_NUMBER } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

const PHONE = "+14155550123";
const localTest = serviceTest();
const authyTest = serviceTest({ env: authyEnv });

describe("sign-up with the local provider, SMS through the Messages API", () => {
  localTest("walks from SIGNUP to the success SMS, persisting every step", async ({ app, twilio }) => {
    const hello = await app.sms(PHONE, "hello");
    expect(hello.status).toBe(200);
    expect(hello.contentType).toMatch(/^text\/xml/);
    expect(hello.replies).toEqual(["Hi! Text SIGNUP to create your account."]);

    expect((await app.sms(PHONE, "  signup ")).replies).toEqual(["Welcome! What's your email address?"]);
    expect((await app.state(PHONE))?.state).toBe("awaitingEmail");

    const emailed = await app.sms(PHONE, "Ana@Example.com");
    expect(emailed.replies).toEqual(["We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it."]);
    expect((await app.state(PHONE))?.state).toBe("awaitingCode");

    const codeSms = twilio.messages.at(-1)!;
    expect(codeSms.to).toBe(PHONE);
    expect(codeSms.from).toBe(TEST_TWILIO_NUMBER);
    expect(codeSms.auth).toBe(
      `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${app.config.twilio.authToken}`).toString("base64")}`,
    );
    const code = twilio.lastCodeTo(PHONE)!;
    expect(code).toMatch(/^\d{6}$/);

    const done = await app.sms(PHONE, code);
    expect(done.replies).toEqual([]);
    expect(done.text).toContain("<Response/>");
    expect((await app.state(PHONE))?.state).toBe("verified");
    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(PHONE).at(-1)).toBe("You did it! Signup complete :) Your account is ana@example.com.");

    const user = await app.db.selectFrom("users").selectAll().where("phone", "=", PHONE).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ email: "ana@example.com", country_code: "1", national_number: "4155550123" });
    expect(user.verified_at).not.toBeNull();

    expect((await app.sms(PHONE, "anything")).replies).toEqual(["You're already verified as ana@example.com."]);

    // The code never reaches the transcript, the snapshot or the log.
    const transcript = await app.db.selectFrom("messages").select("body").where("phone", "=", PHONE).execute();
    const conversation = await app.state(PHONE);
    for (const text of [...transcript.map((m) => m.body), conversation?.snapshot ?? "", app.logger.text]) {
      expect(text).not.toContain(code);
    }
    expect(transcript.map((m) => m.body)).toContain(
      "Your sign-up code is ••••••. It expires in 10 minutes. Don't share it with anyone.",
    );
  });
});

describe("sign-up with the legacy Authy API", () => {
  authyTest(
    "registers the person, forces the SMS, verifies the token and sends the success SMS",
    async ({ app, twilio, authy }) => {
      await app.sms(PHONE, "SIGNUP");
      expect((await app.sms(PHONE, "ana@example.com")).replies[0]).toMatch(/We sent you a code/);

      const register = authy.requests.find((r) => r.path === "/protected/json/users/new")!;
      expect(register.method).toBe("POST");
      expect(register.form.get("user[email]")).toBe("ana@example.com");
      expect(register.form.get("user[cellphone]")).toBe("4155550123");
      expect(register.form.get("user[country_code]")).toBe("1");
      const smsRequest = authy.requests.find((r) => r.path.startsWith("/protected/json/sms/"))!;
      expect(smsRequest.query.get("force")).toBe("true");

      const code = authy.codeFor("1", "4155550123")!;
      expect((await app.sms(PHONE, "0000000")).replies).toEqual(["That code isn't right. 4 tries left."]);
      expect((await app.sms(PHONE, code)).replies).toEqual([]);
      expect((await app.state(PHONE))?.state).toBe("verified");

      const user = await app.db.selectFrom("users").selectAll().where("phone", "=", PHONE).executeTakeFirstOrThrow();
      expect(user.provider_id).toBe(String([...authy.users.keys()][0]));
      await app.service.dispatcher.drain();
      expect(twilio.bodiesTo(PHONE)).toEqual(["You did it! Signup complete :) Your account is ana@example.com."]);
    },
  );
});
