import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTwilio } from "../support/fake-twilio.js";
import { PUBLIC_URL, productionEnv, RunningService, TEST_TWILIO_NUMBER } from "../support/service.js";

const PHONE = "+14155550199";

describe("POST /sms/status: delivery status of outbound messages", () => {
  let twilio: FakeTwilio;
  let app: RunningService;

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    app = await RunningService.start({ env: productionEnv(twilio.url) });
    await app.sms(PHONE, "SIGNUP");
    await app.sms(PHONE, "ana@example.com");
    await app.sms(PHONE, twilio.lastCodeTo(PHONE)!);
    await app.service.dispatcher.drain();
  });
  afterAll(async () => {
    await app.stop();
    await twilio.close();
  });

  const callback = (sid: string, status: string, extra: Record<string, string> = {}) =>
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
  const row = (sid: string) =>
    app.db
      .selectFrom("messages")
      .select(["status", "error_code", "error_message"])
      .where("twilio_sid", "=", sid)
      .executeTakeFirstOrThrow();

  it("asks Twilio to report to /sms/status", () => {
    expect(twilio.messages.map((m) => m.statusCallback)).toEqual([
      `${PUBLIC_URL}/sms/status`,
      `${PUBLIC_URL}/sms/status`,
    ]);
  });

  it("records each status of the success SMS, and never goes back", async () => {
    const success = twilio.messages.at(-1)!;
    expect(success.body).toMatch(/^You did it!/);
    expect(await row(success.sid)).toMatchObject({ status: "queued" });

    for (const status of ["sent", "delivered"]) {
      const answer = await callback(success.sid, status);
      expect(answer.status).toBe(204);
      expect(answer.text).toBe("");
      expect((await row(success.sid)).status).toBe(status);
    }
    // Out of order: a late "sent", and a contradicting "failed", after "delivered" change nothing.
    expect((await callback(success.sid, "sent")).status).toBe(204);
    expect((await callback(success.sid, "failed", { ErrorCode: "30008" })).status).toBe(204);
    expect(await row(success.sid)).toEqual({ status: "delivered", error_code: null, error_message: null });
  });

  it("records a failed delivery with its error code where operators see it", async () => {
    const codeSms = twilio.messages[0]!;
    expect((await callback(codeSms.sid, "undelivered", { ErrorCode: "30003" })).status).toBe(204);
    expect(await row(codeSms.sid)).toEqual({
      status: "undelivered",
      error_code: 30003,
      error_message: "Twilio error 30003 (undelivered)",
    });
  });

  it("answers an unknown MessageSid with 204, changes nothing, and logs it", async () => {
    const before = await app.db.selectFrom("messages").selectAll().execute();
    const unknown = `SM${"f".repeat(32)}`;
    expect((await callback(unknown, "delivered")).status).toBe(204);
    expect(await app.db.selectFrom("messages").selectAll().execute()).toEqual(before);
    expect(
      app.logger.entries.some(
        (e) =>
          e.message === "status callback for a message we do not know" && JSON.stringify(e.fields).includes(unknown),
      ),
    ).toBe(true);
  });

  it("checks the signature like /sms, and the form", async () => {
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
    expect((await row(success.sid)).status).toBe("delivered");
  });
});
