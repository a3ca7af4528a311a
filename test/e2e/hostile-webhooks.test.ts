// What an attacker can send to the webhook: malformed, oversized, prototype-shaped and NUL-carrying forms.
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_WEBHOOK_FIELDS } from "../../src/twilio/webhook.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { newMessageSid, PUBLIC_URL, productionEnv, RunningService, TEST_AUTH_TOKEN } from "../support/service.js";

let twilioFake: FakeTwilio;
let app: RunningService;
let phoneCounter = 0;
const newPhone = () => {
  phoneCounter += 1;
  return `+1415556${String(phoneCounter).padStart(4, "0")}`;
};

beforeAll(async () => {
  twilioFake = await FakeTwilio.start();
  app = await RunningService.start({ env: productionEnv(twilioFake.url) });
});
afterAll(async () => {
  await app.stop();
  await twilioFake.close();
});

const inbound = (from: string, body: string) => ({
  MessageSid: newMessageSid(),
  AccountSid: app.config.twilio.accountSid,
  From: from,
  To: "+15005550006",
  Body: body,
  NumMedia: "0",
});

/** Posts a raw form body, signed over `signed` (the twilio SDK's signer) or not at all. */
async function postRaw(body: string, signed?: Record<string, string>) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (signed)
    headers["X-Twilio-Signature"] = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_URL}/sms`, signed);
  const response = await fetch(`${app.url}/sms`, { method: "POST", headers, body });
  return { status: response.status, text: await response.text() };
}

const inboundRows = async (phone: string) =>
  (
    await app.db
      .selectFrom("messages")
      .select("body")
      .where("phone", "=", phone)
      .where("direction", "=", "in")
      .execute()
  ).length;

describe("hostile webhook forms", () => {
  it("a form of tens of thousands of repeated keys is refused before the signature is computed, in linear time", async () => {
    const body = "a=&".repeat(21_845);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => postRaw(body)));
    const elapsed = performance.now() - started;
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(`at most ${MAX_WEBHOOK_FIELDS} fields`);
    }
    // Ten of these took 19 s of blocked event loop when each repeat copied the array; now parsing is linear.
    expect(elapsed).toBeLessThan(2_000);
  });

  it("a signed form with repeated keys up to the cap is accepted and stored once", async () => {
    const phone = newPhone();
    const params = new URLSearchParams(inbound(phone, "SIGNUP"));
    const extra = Array.from({ length: MAX_WEBHOOK_FIELDS - 10 }, (_, i) => String(i % 7));
    for (const value of extra) params.append("MediaUrl0", value);
    const signedParams: Record<string, string | string[]> = { ...Object.fromEntries(params), MediaUrl0: extra };
    const answer = await postRaw(params.toString(), signedParams as Record<string, string>);
    expect(answer.status).toBe(200);
    expect(await inboundRows(phone)).toBe(1);
  });

  it("an unsigned __proto__ field beside a signed form is refused (it used to vanish from the signed fields)", async () => {
    const phone = newPhone();
    const params = inbound(phone, "SIGNUP");
    const body = `${new URLSearchParams(params)}&__proto__=x`;
    expect((await postRaw(body, params)).status).toBe(403);
    expect(await inboundRows(phone)).toBe(0);
  });

  it("signed forms with fields named like Object's own properties are accepted", async () => {
    for (const field of ["constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const phone = newPhone();
      const params = { ...inbound(phone, "SIGNUP"), [field]: "x" };
      const answer = await postRaw(new URLSearchParams(params).toString(), params);
      expect(answer.status, field).toBe(200);
      expect(await inboundRows(phone), field).toBe(1);
    }
  });

  it("a body with a NUL is refused with a 400 that names Body, on every database, and stores nothing", async () => {
    const phone = newPhone();
    const params = inbound(phone, "a\u0000b");
    const first = await postRaw(new URLSearchParams(params).toString(), params);
    expect(first.status).toBe(400);
    expect(first.text).toMatch(/Body/);
    expect(await inboundRows(phone)).toBe(0);
    expect(await app.db.selectFrom("webhook_claims").select("phone").where("phone", "=", phone).execute()).toEqual([]);
  });

  it("a status callback with a status named like an Object property, or an error code beyond 32 bits, is not a 500", async () => {
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
});
