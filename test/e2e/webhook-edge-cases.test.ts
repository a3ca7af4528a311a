// What an attacker can send to the webhook: malformed, oversized, prototype-shaped and NUL-carrying forms.
import twilio from "twilio";
import { describe, expect } from "vitest";
import { MAX_WEBHOOK_FIELDS } from "../../src/twilio/webhook.js";
import {
  newMessageSid,
  PUBLIC_URL,
  type RunningService,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
} from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

// Edge cases of the webhook's edge: straight into the Hono app (`app.request`), on a real database.
const test = serviceTest({ inProcess: true });
let phoneCounter = 0;
const newPhone = () => {
  phoneCounter += 1;
  return `+1415556${String(phoneCounter).padStart(4, "0")}`;
};

const inbound = (from: string, body: string) => ({
  MessageSid: newMessageSid(),
  AccountSid: TEST_ACCOUNT_SID,
  From: from,
  To: "+15005550006",
  Body: body,
  NumMedia: "0",
});

/** Posts a raw form body, signed over `signed` (the twilio SDK's signer) or not at all. */
async function postRaw(app: RunningService, body: string, signed?: Record<string, string>) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (signed)
    headers["X-Twilio-Signature"] = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_URL}/sms`, signed);
  const response = await app.request("/sms", { method: "POST", headers, body });
  return { status: response.status, text: await response.text() };
}

const rows = async (app: RunningService, table: "conversations" | "webhook_claims", phone: string) =>
  (await app.db.selectFrom(table).select("phone").where("phone", "=", phone).execute()).length;

const inboundRows = async (app: RunningService, phone: string) =>
  (
    await app.db
      .selectFrom("messages")
      .select("body")
      .where("phone", "=", phone)
      .where("direction", "=", "in")
      .execute()
  ).length;

describe("hostile webhook forms", () => {
  test("a form of tens of thousands of repeated keys is refused before the signature is computed, in linear time", async ({
    app,
  }) => {
    const body = "a=&".repeat(21_845);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => postRaw(app, body)));
    const elapsed = performance.now() - started;
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(`at most ${MAX_WEBHOOK_FIELDS} fields`);
    }
    // Ten of these took 19 s of blocked event loop when each repeat copied the array; now parsing is linear.
    expect(elapsed).toBeLessThan(2_000);
  });

  test("a signed form with repeated keys up to the cap is accepted and stored once", async ({ app }) => {
    const phone = newPhone();
    const params = new URLSearchParams(inbound(phone, "SIGNUP"));
    const extra = Array.from({ length: MAX_WEBHOOK_FIELDS - 10 }, (_, i) => String(i % 7));
    for (const value of extra) params.append("MediaUrl0", value);
    const signedParams: Record<string, string | string[]> = { ...Object.fromEntries(params), MediaUrl0: extra };
    const answer = await postRaw(app, params.toString(), signedParams as Record<string, string>);
    expect(answer.status).toBe(200);
    expect(await inboundRows(app, phone)).toBe(1);
  });

  test("an unsigned __proto__ field beside a signed form is refused (it used to vanish from the signed fields)", async ({
    app,
  }) => {
    const phone = newPhone();
    const params = inbound(phone, "SIGNUP");
    const body = `${new URLSearchParams(params)}&__proto__=x`;
    expect((await postRaw(app, body, params)).status).toBe(403);
    expect(await inboundRows(app, phone)).toBe(0);
  });

  test("signed forms with fields named like Object's own properties are accepted", async ({ app }) => {
    for (const field of ["constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const phone = newPhone();
      const params = { ...inbound(phone, "SIGNUP"), [field]: "x" };
      const answer = await postRaw(app, new URLSearchParams(params).toString(), params);
      expect(answer.status, field).toBe(200);
      expect(await inboundRows(app, phone), field).toBe(1);
    }
  });

  test("a body with a NUL is refused with a 400 that names Body, on every database, and stores nothing", async ({
    app,
  }) => {
    const phone = newPhone();
    const params = inbound(phone, "a\u0000b");
    const first = await postRaw(app, new URLSearchParams(params).toString(), params);
    expect(first.status).toBe(400);
    expect(first.text).toMatch(/Body/);
    expect(await inboundRows(app, phone)).toBe(0);
    expect(await app.db.selectFrom("webhook_claims").select("phone").where("phone", "=", phone).execute()).toEqual([]);
  });

  test("a status callback with a status named like an Object property, or an error code beyond 32 bits, is not a 500", async ({
    app,
  }) => {
    const cases: Record<string, string>[] = [
      { MessageStatus: "constructor" },
      { MessageStatus: "__proto__" },
      { MessageStatus: "sent", ErrorCode: "9999999999" },
    ];
    for (const fields of cases) {
      const params = { MessageSid: newMessageSid(), AccountSid: app.config.twilio.accountSid, ...fields };
      const response = await app.post("/sms/status", params);
      expect([204, 400], JSON.stringify(fields)).toContain(response.status);
    }
    expect(app.logger.entries.filter((entry) => entry.level === "error")).toEqual([]);
  });

  test("a forged or missing signature is refused with 403 and nothing is stored", async ({ app }) => {
    const phone = newPhone();
    const params = { MessageSid: newMessageSid(), From: phone, Body: "SIGNUP" };
    expect((await app.post("/sms", params, "bm90IGEgc2lnbmF0dXJl")).status).toBe(403);
    expect((await app.post("/sms", params, "")).status).toBe(403);
    // Signed for another URL than PUBLIC_URL (e.g. what a proxy rewrote): refused.
    const wrongUrl = twilio.getExpectedTwilioSignature(
      app.config.twilio.authToken,
      "http://127.0.0.1:3000/sms",
      params,
    );
    expect((await app.post("/sms", params, wrongUrl)).status).toBe(403);
    const wrongToken = twilio.getExpectedTwilioSignature("another-token", `${PUBLIC_URL}/sms`, params);
    expect((await app.post("/sms", params, wrongToken)).status).toBe(403);
    expect(await rows(app, "conversations", phone)).toBe(0);
    expect(await rows(app, "webhook_claims", phone)).toBe(0);
  });

  test.for([
    [{ From: "+14155550999", Body: "hi" }, "MessageSid is required"],
    [{ MessageSid: "SM123", From: "+14155550999", Body: "hi" }, "MessageSid must be"],
    [{ MessageSid: newMessageSid(), Body: "hi" }, "From is required"],
    [{ MessageSid: newMessageSid(), From: "whatsapp:14155550999", Body: "hi" }, "From must be an E.164"],
    [{ MessageSid: newMessageSid(), From: "+14155550999" }, "Body is required"],
    [{ MessageSid: newMessageSid(), From: "+14155550999", Body: "hi", OptOutType: "MAYBE" }, "OptOutType must be"],
  ])("a malformed form %j is refused with 400 naming the field", async ([params, message], { app }) => {
    const response = await app.post("/sms", params as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.text).toContain(message);
    expect(await rows(app, "conversations", "+14155550999")).toBe(0);
  });

  test("a body over 64 kB gets 413; nonsense never gets a 500", async ({ app }) => {
    const big = await app.request("/sms", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x" },
      body: `Body=${"a".repeat(65 * 1024)}`,
    });
    expect(big.status).toBe(413);
    for (const body of ["%%%", "a=1&&&=", "\u0000\u0001", JSON.stringify({ Body: "x" })]) {
      const response = await app.request("/sms", { method: "POST", headers: { "X-Twilio-Signature": "x" }, body });
      expect(response.status).toBe(403);
    }
    // The signature is checked before anything else, whatever the method.
    const get = await app.request("/sms?Body=SIGNUP");
    expect(get.status).toBe(403);
  });
});
