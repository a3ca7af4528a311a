import { describe, expect } from "vitest";
import { PUBLIC_URL, type RunningService, TEST_TWILIO_NUMBER } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

const PHONE = "+14155550199";
const test = serviceTest();

describe("POST /sms/status: delivery status of outbound messages", () => {
  test.beforeAll(async ({ app, twilio }) => {
    await app.sms(PHONE, "SIGNUP");
    await app.sms(PHONE, "ana@example.com");
    await app.sms(PHONE, twilio.lastCodeTo(PHONE)!);
    await app.service.dispatcher.drain();
  });
  const callback = (app: RunningService, sid: string, status: string, extra: Record<string, string> = {}) =>
    app.post("/sms/status", {
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: app.config.twilio.accountSid,
      From: TEST_TWILIO_NUMBER,
      To: PHONE,
      ApiVersion: "2010-04-01",
      ...extra,
    });
  const row = (app: RunningService, sid: string) =>
    app.db
      .selectFrom("messages")
      .select(["status", "error_code", "error_message"])
      .where("twilio_sid", "=", sid)
      .executeTakeFirstOrThrow();

  test("asks Twilio to report to /sms/status", ({ twilio }) => {
    expect(twilio.messages.map((m) => m.statusCallback)).toEqual([
      `${PUBLIC_URL}/sms/status`,
      `${PUBLIC_URL}/sms/status`,
    ]);
  });

  test("records each status of the success SMS, and never goes back", async ({ app, twilio }) => {
    const success = twilio.messages.at(-1)!;
    expect(success.body).toMatch(/^You did it!/);
    expect(await row(app, success.sid)).toMatchObject({ status: "queued" });

    for (const status of ["sent", "delivered"]) {
      const answer = await callback(app, success.sid, status);
      expect(answer.status).toBe(204);
      expect(answer.text).toBe("");
      expect((await row(app, success.sid)).status).toBe(status);
    }
    // Out of order: a late "sent", and a contradicting "failed", after "delivered" change nothing.
    expect((await callback(app, success.sid, "sent")).status).toBe(204);
    expect((await callback(app, success.sid, "failed", { ErrorCode: "30008" })).status).toBe(204);
    expect(await row(app, success.sid)).toEqual({ status: "delivered", error_code: null, error_message: null });
  });

  test("records a failed delivery with its error code where operators see it", async ({ app, twilio }) => {
    const codeSms = twilio.messages[0]!;
    expect((await callback(app, codeSms.sid, "undelivered", { ErrorCode: "30003" })).status).toBe(204);
    expect(await row(app, codeSms.sid)).toEqual({
      status: "undelivered",
      error_code: 30003,
      error_message: "Twilio error 30003 (undelivered)",
    });
  });

  test("answers an unknown MessageSid with 204, changes nothing, and logs it", async ({ app }) => {
    const before = await app.db.selectFrom("messages").selectAll().execute();
    const unknown = `SM${"f".repeat(32)}`;
    expect((await callback(app, unknown, "delivered")).status).toBe(204);
    expect(await app.db.selectFrom("messages").selectAll().execute()).toEqual(before);
    expect(
      app.logger.entries.some(
        (e) =>
          e.message === "status callback for a message we do not know" && JSON.stringify(e.fields).includes(unknown),
      ),
    ).toBe(true);
  });

  test("checks the signature like /sms, and the form", async ({ app, twilio }) => {
    const success = twilio.messages.at(-1)!;
    const forged = await app.post(
      "/sms/status",
      { MessageSid: success.sid, MessageStatus: "failed" },
      "bm90IGEgc2lnbmF0dXJl",
    );
    expect(forged.status).toBe(403);
    const incomplete = await app.post("/sms/status", { MessageSid: success.sid });
    expect(incomplete.status).toBe(400);
    expect(incomplete.text).toBe("Invalid webhook form: MessageStatus is required");
    expect((await row(app, success.sid)).status).toBe("delivered");
  });
});
