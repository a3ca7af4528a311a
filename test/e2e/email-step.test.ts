import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi } from "../support/admin.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { ProductReceiver, WEBHOOK_SECRET } from "../support/product-receiver.js";
import { verifyEnv } from "../support/provider-env.js";
import { productionEnv, RunningService } from "../support/service.js";
import { restartableServices } from "../support/service-test.js";
import { codeIn, TestSmtpServer } from "../support/smtp.js";

const ANA = "+14155550123";
const LUZ = "+34612345678";
const FROM = "Sign-up <signup@example.test>";
const CODE_SENT = "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.";
const emailed = (email: string) =>
  `Phone confirmed! We emailed a code to ${email}. Reply with it, or RESEND for a new one.`;

describe("the email step (EMAIL_VERIFICATION=code) through signed webhooks, SMTP to a real server", () => {
  let twilio: FakeTwilio;
  let smtp: TestSmtpServer;

  /** SIGNUP, the email, the phone's code: the email step begins. Returns the replies to the phone's code. */
  async function toEmailStep(app: RunningService, phone: string, email: string) {
    expect((await app.sms(phone, "SIGNUP")).replies).toHaveLength(1);
    const sent = await app.sms(phone, email);
    const code = twilio.lastCodeTo(phone);
    expect(code).toMatch(/^\d{6}$/);
    const replies = (await app.sms(phone, code ?? "")).replies;
    // Joins the send the turn kicked off, so what the mailbox holds is what the outbox did.
    await app.service.emailDispatcher?.drain();
    return { toEmail: sent.replies, toCode: replies };
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(async () => {
    twilio = await FakeTwilio.start();
    smtp.received.length = 0;
    smtp.answers.length = 0;
    smtp.refuseAll = null;
    smtp.attempts = 0;
  });
  afterEach(async () => {
    await twilio.close();
  });
  const { clock, start } = restartableServices({
    env: () => ({
      ...productionEnv(twilio.url),
      ALLOWED_COUNTRIES: "US,ES",
      EMAIL_VERIFICATION: "code",
      EMAIL_SMTP_URL: smtp.url,
      EMAIL_FROM: FROM,
      ADMIN_TOKEN,
    }),
  });

  it("the whole sign-up: a code emailed once, a wrong one refused, the right one completes it; no code kept", async () => {
    const app = await start();
    const { toEmail, toCode } = await toEmailStep(app, ANA, "ana@example.com");
    expect(toEmail).toEqual([CODE_SENT]);
    expect(toCode).toEqual([emailed("ana@example.com")]);
    expect((await app.state(ANA))?.state).toBe("awaitingEmailCode");

    const [mail, ...more] = await smtp.waitFor("ana@example.com");
    expect(more).toEqual([]);
    expect(mail?.subject).toBe("Your sign-up code");
    expect(mail?.html).not.toMatch(/<a\b|href=|<img\b|<form\b|https?:\/\//i);
    const code = codeIn(mail!) ?? "";
    const wrong = code === "000000" ? "111111" : "000000";
    expect((await app.sms(ANA, wrong)).replies).toEqual(["That code isn't right. 4 tries left."]);
    expect((await app.sms(ANA, code)).replies).toEqual([]);
    expect((await app.state(ANA))?.state).toBe("verified");

    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(ANA).at(-1)).toBe("You did it! Signup complete :) Your account is ana@example.com.");
    const user = await app.db.selectFrom("users").selectAll().where("phone", "=", ANA).executeTakeFirstOrThrow();
    expect(user).toMatchObject({
      email: "ana@example.com",
      verified_at: clock.now(),
      email_verified_at: clock.now(),
    });

    // The code is nowhere at rest: not in the transcript (its line masked), not in the sent email's row.
    const lines = await app.db.selectFrom("messages").selectAll().where("phone", "=", ANA).execute();
    expect(lines.filter((line) => line.body.includes(code))).toEqual([]);
    expect(lines.find((line) => line.channel === "email")).toMatchObject({
      body: "Email to a•••@example.com: Your sign-up code (code ••••••)",
      status: "sent",
    });
    const rows = await app.db.selectFrom("email_outbox").selectAll().execute();
    expect(rows).toMatchObject([{ kind: "code", status: "sent", body_text: "", body_html: "" }]);
    expect(app.logger.entries.filter((entry) => JSON.stringify(entry).includes(code))).toEqual([]);

    const detail = await fetchConversation(app, ANA);
    expect(detail.context.emailVerifiedAt).toBe(new Date(clock.now()).toISOString());
    expect(detail.user.emailVerifiedAt).toBe(new Date(clock.now()).toISOString());
    expect(detail.transcript).toContainEqual(
      expect.objectContaining({
        channel: "email",
        medium: "email",
        status: "sent",
        body: "Email to a•••@example.com: Your sign-up code (code ••••••)",
      }),
    );
    expect(detail.timeline.map((t: { event: string }) => t.event)).toContain("sendEmailCode: queued");
  });

  it("the product's webhook says the email was proven", async () => {
    const receiver = await ProductReceiver.start();
    clock.current = Date.now(); // the receiver checks the signature's timestamp against its own clock
    try {
      const app = await start({ SIGNUP_WEBHOOK_URL: `${receiver.url}/hooks`, SIGNUP_WEBHOOK_SECRET: WEBHOOK_SECRET });
      await toEmailStep(app, ANA, "ana@example.com");
      expect(await app.service.webhookDispatcher?.drain()).toBe(0);
      await app.sms(ANA, codeIn((await smtp.waitFor("ana@example.com"))[0]!) ?? "");
      await app.service.webhookDispatcher?.drain();
      expect(receiver.received.map((hook) => hook.payload)).toMatchObject([
        { type: "signup.verified", data: { email: "ana@example.com", email_verified: true } },
      ]);
    } finally {
      await receiver.close();
    }
  });

  it("in the person's language: a Spanish phone gets a Spanish email", async () => {
    const app = await start();
    await toEmailStep(app, LUZ, "luz@example.com");
    const [mail] = await smtp.waitFor("luz@example.com");
    expect(mail?.subject).toBe("Tu código de registro");
    expect(mail?.headers.get("content-language")).toBe("es");
  });

  it("RESEND waits out the cooldown, then emails a new code; another address starts the step over", async () => {
    const app = await start();
    await toEmailStep(app, ANA, "ana@example.com");
    const first = codeIn((await smtp.waitFor("ana@example.com"))[0]!);
    expect((await app.sms(ANA, "RESEND")).replies[0]).toMatch(/^Please wait \d+ seconds?, then reply RESEND\.$/);
    clock.advance(30_000);
    expect((await app.sms(ANA, "RESEND")).replies).toEqual([
      "We emailed a new code to ana@example.com. Reply with it when it arrives.",
    ]);
    await app.service.emailDispatcher?.drain();
    const second = codeIn((await smtp.waitFor("ana@example.com", 2))[1]!);

    expect((await app.sms(ANA, "luz@example.org")).replies).toEqual([emailed("luz@example.org")]);
    await app.service.emailDispatcher?.drain();
    const third = codeIn((await smtp.waitFor("luz@example.org"))[0]!);
    for (const old of new Set([first, second].filter((code) => code !== third))) {
      expect((await app.sms(ANA, old ?? "")).replies[0]).toMatch(/^That code isn't right/);
    }
    expect((await app.sms(ANA, third ?? "")).replies).toEqual([]);
    const user = await app.db.selectFrom("users").selectAll().where("phone", "=", ANA).executeTakeFirstOrThrow();
    expect(user.email).toBe("luz@example.org");
  });

  it("a taken address: the same replies as a free one, its owner warned (no code), the phone never finishes", async () => {
    const app = await start();
    // The owner: ana@example.com verified on ANA.
    await toEmailStep(app, ANA, "ana@example.com");
    await app.sms(ANA, codeIn((await smtp.waitFor("ana@example.com"))[0]!) ?? "");
    expect((await app.state(ANA))?.state).toBe("verified");

    const intruder = "+14155550177";
    const stranger = "+14155550188";
    const taken = await toEmailStep(app, intruder, "ana@example.com");
    const free = await toEmailStep(app, stranger, "new@example.com");
    const same = (replies: string[], email: string) => replies.map((reply) => reply.replaceAll(email, "EMAIL"));
    expect(same(taken.toEmail, "ana@example.com")).toEqual(same(free.toEmail, "new@example.com"));
    expect(same(taken.toCode, "ana@example.com")).toEqual(same(free.toCode, "new@example.com"));

    const [, notice] = await smtp.waitFor("ana@example.com", 2);
    expect(notice?.subject).toBe("Someone tried to sign up with your email");
    expect(notice?.text).toContain("ending in 77");
    expect(notice?.text).not.toMatch(/\d{4,}/);

    // Whatever it sends, the intruder's phone is answered as a stranger's wrong code, and never finishes.
    for (const guess of ["123456", "654321", "000000", "999999"]) {
      const a = await app.sms(intruder, guess);
      const b = await app.sms(stranger, guess === codeIn((await smtp.waitFor("new@example.com"))[0]!) ? "1" : guess);
      expect(a.replies).toEqual(b.replies);
    }
    expect((await app.sms(intruder, "111111")).replies).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect((await app.state(intruder))?.state).toBe("awaitingEmailCode");
    // Operators see the attempt: a notice in the transcript, "notice" in the timeline.
    const detail = await fetchConversation(app, intruder);
    expect(detail.timeline.map((t: { event: string }) => t.event)).toContain("sendEmailCode: notice");
    expect(detail.transcript.map((m: { body: string }) => m.body)).toContain(
      "Email to a•••@example.com: Someone tried to sign up with your email",
    );
  });

  it("a server that refuses twice then accepts: retried with backoff, across a restart, delivered once", async () => {
    const first = await start();
    smtp.answers.push({ refuse: 451 }, { refuse: 451 });
    await toEmailStep(first, ANA, "ana@example.com");
    expect(smtp.attempts).toBeGreaterThanOrEqual(1);
    await first.stop();
    const second = await start();
    for (let i = 0; i < 5 && smtp.to("ana@example.com").length === 0; i++) {
      clock.advance(10 * 60_000);
      await second.service.emailDispatcher?.drain();
    }
    expect(smtp.to("ana@example.com")).toHaveLength(1);
    const row = await second.db.selectFrom("email_outbox").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("a server that only ever says 'try later': retried to the last attempt, then the person is told", async () => {
    const app = await start();
    smtp.refuseAll = 451;
    await toEmailStep(app, ANA, "ana@example.com");
    const row = () => app.db.selectFrom("email_outbox").selectAll().executeTakeFirstOrThrow();
    for (let i = 0; i < 20 && (await row()).status === "pending"; i++) {
      clock.advance(10 * 60_000);
      await app.service.emailDispatcher?.drain();
    }
    expect(await row()).toMatchObject({ status: "failed", attempts: 12, body_text: "", body_html: "" });
    expect(smtp.attempts).toBe(12);
    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(ANA).at(-1)).toBe(
      "Sorry, we couldn't email your code to ana@example.com. Reply RESEND to try again, or send another email.",
    );
    const line = await app.db
      .selectFrom("messages")
      .selectAll()
      .where("channel", "=", "email")
      .executeTakeFirstOrThrow();
    expect(line).toMatchObject({ status: "failed", medium: "email" });
  });

  it("a server that never accepts: given up on, the person told by SMS, and RESEND tries again", async () => {
    const app = await start();
    smtp.refuseAll = 550;
    await toEmailStep(app, ANA, "ana@example.com");
    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(ANA).at(-1)).toBe(
      "Sorry, we couldn't email your code to ana@example.com. Reply RESEND to try again, or send another email.",
    );
    smtp.refuseAll = null;
    clock.advance(30_000);
    await app.sms(ANA, "RESEND");
    await app.service.emailDispatcher?.drain();
    const [mail] = await smtp.waitFor("ana@example.com");
    expect((await app.sms(ANA, codeIn(mail!) ?? "")).replies).toEqual([]);
    expect((await app.state(ANA))?.state).toBe("verified");
  });
});

describe("the email step in local mode", () => {
  let app: RunningService;
  beforeAll(async () => {
    app = await RunningService.start({ env: { EMAIL_VERIFICATION: "code", ADMIN_TOKEN } });
  });
  afterAll(async () => {
    await app.stop();
  });

  it("writes the email to the log and GET /local/outbox, code included", async () => {
    await app.sms(ANA, "SIGNUP");
    await app.sms(ANA, "ana@example.com");
    const outbox = async () =>
      (await (await fetch(`${app.url}/local/outbox?phone=${encodeURIComponent(ANA)}&after=0`)).json()) as {
        messages: { body: string }[];
        emails: { to: string; subject: string; text: string }[];
      };
    const smsCode = /\b(\d{6})\b/.exec((await outbox()).messages.at(-1)?.body ?? "")?.[1] ?? "";
    expect((await app.sms(ANA, smsCode)).replies).toEqual([emailed("ana@example.com")]);
    await app.service.emailDispatcher?.drain();
    const [email] = (await outbox()).emails;
    expect(email).toMatchObject({ to: "ana@example.com", subject: "Your sign-up code" });
    const code = /\b(\d{6})\b/.exec(email?.text ?? "")?.[1] ?? "";
    expect(app.logger.entries.some((entry) => JSON.stringify(entry).includes(code))).toBe(true);
    expect((await app.sms(ANA, code)).replies).toEqual([]);
  });
});

async function fetchConversation(app: RunningService, phone: string) {
  const { status, json } = await adminApi(app, `/conversations/${encodeURIComponent(phone)}`);
  expect(status, app.logger.text.slice(-1500)).toBe(200);
  return json;
}

describe("the email step with Verify: the code goes by Verify's email channel", () => {
  let twilio: FakeTwilio;
  let app: RunningService;
  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    app = await RunningService.start({ env: { ...verifyEnv(twilio.url), EMAIL_VERIFICATION: "code" } });
  });
  afterAll(async () => {
    await app.stop();
    await twilio.close();
  });

  it("Verify emails and checks the code; a wrong one is refused, the right one completes the sign-up", async () => {
    await app.sms(ANA, "SIGNUP");
    await app.sms(ANA, "ana@example.com");
    expect((await app.sms(ANA, twilio.verifications.get(ANA)?.code ?? "")).replies).toEqual([
      emailed("ana@example.com"),
    ]);
    await app.service.emailDispatcher?.drain();
    const verification = twilio.verifications.get("ana@example.com");
    expect(verification?.channel).toBe("email");
    const code = verification?.code ?? "";
    const wrong = code === "000000" ? "111111" : "000000";
    expect((await app.sms(ANA, wrong)).replies).toEqual(["That code isn't right. 4 tries left."]);
    expect((await app.sms(ANA, code)).replies).toEqual([]);
    expect((await app.state(ANA))?.state).toBe("verified");
  });
});
