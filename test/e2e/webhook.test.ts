import { beforeEach, describe, expect } from "vitest";
import type { FakeTwilio } from "../support/fake-twilio.js";
import { newMessageSid, type RunningService, TestClock } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

const clock = new TestClock();
const test = serviceTest({ clock });
let phoneCounter = 0;
/** A new phone per test: tests share one service and never see each other's conversations. */
const newPhone = () => {
  phoneCounter += 1;
  return `+1415555${String(phoneCounter).padStart(4, "0")}`;
};

beforeEach(() => clock.advance(60 * 60_000));

async function toCode(app: RunningService, twilio: FakeTwilio, phone: string): Promise<string> {
  await app.sms(phone, "SIGNUP");
  await app.sms(phone, `${phone.slice(1)}@example.com`);
  return twilio.lastCodeTo(phone)!;
}

describe("POST /sms: the conversation over real HTTP", () => {
  test("RESEND sends a new code after the cooldown, and the old one stops working", async ({ app, twilio }) => {
    const phone = newPhone();
    const first = await toCode(app, twilio, phone);
    expect((await app.sms(phone, "resend")).replies).toEqual(["Please wait 30 seconds, then reply RESEND."]);
    clock.advance(30_000);
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    const second = twilio.lastCodeTo(phone)!;
    expect(twilio.bodiesTo(phone)).toHaveLength(2);
    if (first !== second)
      expect((await app.sms(phone, first)).replies).toEqual(["That code isn't right. 4 tries left."]);
    expect((await app.sms(phone, second)).replies).toEqual([]);
    expect((await app.state(phone))?.state).toBe("verified");
  });

  test("wrong codes count down, then a new code is needed", async ({ app, twilio }) => {
    const phone = newPhone();
    const code = await toCode(app, twilio, phone);
    const wrong = code === "000000" ? "111111" : "000000";
    const replies = [];
    for (let i = 0; i < 5; i += 1) replies.push((await app.sms(phone, wrong)).replies[0]);
    expect(replies).toEqual([
      "That code isn't right. 4 tries left.",
      "That code isn't right. 3 tries left.",
      "That code isn't right. 2 tries left.",
      "That code isn't right. 1 try left.",
      "Too many wrong codes. Reply RESEND for a new code.",
    ]);
    expect((await app.sms(phone, code)).replies).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect((await app.state(phone))?.state).toBe("awaitingCode");
  });

  test("an expired code asks for RESEND; an idle conversation starts over", async ({ app, twilio }) => {
    const phone = newPhone();
    const code = await toCode(app, twilio, phone);
    clock.advance(10 * 60_000);
    expect((await app.sms(phone, code)).replies).toEqual(["That code has expired. Reply RESEND for a new one."]);
    clock.advance(24 * 60 * 60_000);
    expect((await app.sms(phone, code)).replies).toEqual([
      "Your sign-up expired after a long pause, so we started over.\nHi! Text SIGNUP to create your account.",
    ]);
    expect((await app.state(phone))?.state).toBe("new");
  });

  test("STOP silences everything until START, which resumes where it was", async ({ app, twilio }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    const stop = await app.sms(phone, "stop");
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await app.state(phone))?.opted_out).toBe(1);
    for (const body of ["SIGNUP", "ana@example.com", "RESEND", "HELP"])
      expect((await app.sms(phone, body)).replies).toEqual([]);
    expect(twilio.bodiesTo(phone)).toEqual([]);
    expect((await app.state(phone))?.state).toBe("awaitingEmail");

    expect((await app.sms(phone, "Start")).replies).toEqual(["Welcome back! Welcome! What's your email address?"]);
    expect((await app.state(phone))?.opted_out).toBe(0);
    expect((await app.sms(phone, "ana.stop@example.com")).replies[0]).toMatch(/We sent you a code/);
    const timeline = await app.db
      .selectFrom("transitions")
      .select("event")
      .where("phone", "=", phone)
      .orderBy("id")
      .execute();
    expect(timeline.map((t) => t.event)).toEqual(expect.arrayContaining(["OPT_OUT", "OPT_IN"]));
  });

  test("YES from someone who never opted out just gets the current prompt", async ({ app }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    expect((await app.sms(phone, "yes")).replies).toEqual(["Welcome! What's your email address?"]);
    const timeline = await app.db.selectFrom("transitions").select("event").where("phone", "=", phone).execute();
    expect(timeline.map((t) => t.event)).not.toContain("OPT_IN");
  });

  test("honours OptOutType from a Messaging Service with Advanced Opt-Out", async ({ app }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    expect((await app.sms(phone, "arrêter", { OptOutType: "STOP" })).replies).toEqual([]);
    expect((await app.state(phone))?.opted_out).toBe(1);
    await app.sms(phone, "reprendre", { OptOutType: "START" });
    expect((await app.state(phone))?.opted_out).toBe(0);
  });

  test("HELP explains the commands and how to stop, in any state", async ({ app }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    const help = await app.sms(phone, "help");
    expect(help.replies).toEqual([
      "sms-signup: text SIGNUP to create an account, then follow the steps. RESEND gets a new code, CALL reads it to you, LANG changes the language. Reply STOP to stop all messages, START to resume.",
    ]);
    expect((await app.state(phone))?.state).toBe("awaitingEmail");
  });

  test("a redelivered MessageSid gets the first reply and runs nothing twice", async ({ app, twilio }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    const params = {
      MessageSid: newMessageSid(),
      From: phone,
      To: "+15005550006",
      Body: "ana.dup@example.com",
      AccountSid: app.config.twilio.accountSid,
    };
    const first = await app.post("/sms", params);
    const again = await Promise.all([app.post("/sms", params), app.post("/sms", params)]);
    for (const repeat of again) expect(repeat.text).toBe(first.text);
    expect(first.replies[0]).toMatch(/We sent you a code/);
    expect(twilio.bodiesTo(phone)).toHaveLength(1);
    expect(await app.inbound({ phone })).toEqual(["SIGNUP", "ana.dup@example.com"]);
  });

  test("the code in an inbound message is masked in the transcript", async ({ app, twilio }) => {
    const phone = newPhone();
    const code = await toCode(app, twilio, phone);
    await app.sms(phone, code);
    const bodies = (await app.db.selectFrom("messages").select("body").where("phone", "=", phone).execute()).map(
      (m) => m.body,
    );
    expect(bodies).toContain("••••••");
    expect(bodies.join("\n")).not.toContain(code);
  });

  test("handles 20 messages of one phone sent at once, one at a time, none lost", async ({ app }) => {
    const phone = newPhone();
    await app.sms(phone, "SIGNUP");
    const sends = Array.from({ length: 20 }, (_, i) => app.sms(phone, `not an email ${i}`));
    const results = await Promise.all(sends);
    expect(results.every((r) => r.status === 200 && r.replies.length === 1)).toBe(true);
    // Serialized: exactly 4 refusals, then the 5th starts over, then 15 "how to begin" replies.
    const replies = results.map((r) => r.replies[0]!);
    expect(replies.filter((r) => r.startsWith("That doesn't look like an email"))).toHaveLength(4);
    expect(replies.filter((r) => r.startsWith("That's too many tries"))).toHaveLength(1);
    expect(replies.filter((r) => r.startsWith("Hi! Text SIGNUP"))).toHaveLength(15);
    const conversation = await app.state(phone);
    expect(conversation?.state).toBe("new");
    expect(conversation?.row_version).toBe(21);
    expect(await app.inbound({ phone })).toHaveLength(21);
  });

  test("different phones are handled in parallel", async ({ app }) => {
    const phones = Array.from({ length: 10 }, newPhone);
    const results = await Promise.all(phones.map((phone) => app.sms(phone, "SIGNUP")));
    expect(results.map((r) => r.replies[0])).toEqual(phones.map(() => "Welcome! What's your email address?"));
  });

  test("GET /healthz checks the database", async ({ app }) => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: "up" });
  });
});
