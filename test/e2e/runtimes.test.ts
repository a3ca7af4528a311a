// The HTTP-level behaviour both runtimes must share. `vitest run` holds Node to it (the in-process service);
// TEST_TARGET=worker holds `npm run dev:worker` (workerd, D1, Durable Objects) to the very same tests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi, enc } from "../support/admin.js";
import { AUTHY_TEST_KEY, FakeAuthy } from "../support/fake-authy.js";
import { FakeSendGrid, SENDGRID_TEST_KEY } from "../support/fake-sendgrid.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { chatUpToCode, localModeEnv, RunningProcess } from "../support/process.js";
import { authyEnv, verifyEnv } from "../support/provider-env.js";
import { newMessageSid, PUBLIC_URL, productionEnv, RunningService, type WebhookClient } from "../support/service.js";
import { WorkerProcess } from "../support/worker-process.js";

const ON_WORKER = process.env.TEST_TARGET === "worker";
const HI = "Hi! Text SIGNUP to create your account.";
const SENT = "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.";
const success = (email: string) => `You did it! Signup complete :) Your account is ${email}.`;

type Target = WebhookClient & { stop(): Promise<void> };
const startTarget = (env: Record<string, string>): Promise<Target> =>
  ON_WORKER ? WorkerProcess.start(env) : RunningService.start({ env });

let phoneCounter = 0;
const newPhone = () => {
  phoneCounter += 1;
  return `+1415558${String(phoneCounter).padStart(4, "0")}`;
};

/** Waits for what the service does after answering (the outbox), without a fixed sleep. */
async function eventually<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const conversation = async (app: Target, phone: string) => (await adminApi(app, `/conversations/${enc(phone)}`)).json;

describe(`one behaviour on ${ON_WORKER ? "Workers (npm run dev:worker)" : "Node"}`, () => {
  describe("local provider, SMS through the Messages API", () => {
    let twilio: FakeTwilio;
    let app: Target;
    beforeAll(async () => {
      twilio = await FakeTwilio.start();
      app = await startTarget({ ...productionEnv(twilio.url), ADMIN_TOKEN });
    }, 120_000);
    afterAll(async () => {
      await app?.stop();
      await twilio?.close();
    });

    it("walks a whole sign-up; the success SMS is sent once", async () => {
      const phone = newPhone();
      const hello = await app.sms(phone, "hello");
      expect(hello.status).toBe(200);
      expect(hello.contentType).toMatch(/^text\/xml/);
      expect(hello.replies).toEqual([HI]);
      expect((await app.sms(phone, "SIGNUP")).replies).toEqual(["Welcome! What's your email address?"]);
      expect((await app.sms(phone, "Ana@Example.com")).replies).toEqual([SENT]);
      const code = twilio.lastCodeTo(phone)!;
      expect(code).toMatch(/^\d{6}$/);
      expect((await app.sms(phone, code)).replies).toEqual([]);
      expect((await conversation(app, phone)).state).toBe("verified");

      await eventually(
        () => twilio.bodiesTo(phone),
        (bodies) => bodies.includes(success("ana@example.com")),
      );
      // Another turn wakes the outbox again; what was sent stays sent.
      expect((await app.sms(phone, "thanks")).replies).toEqual(["You're already verified as ana@example.com."]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(twilio.bodiesTo(phone).filter((body) => body === success("ana@example.com"))).toHaveLength(1);
      const detail = await conversation(app, phone);
      expect(JSON.stringify(detail.transcript)).not.toContain(code);
    });

    it("a redelivered MessageSid gets the first reply and runs once", async () => {
      const phone = newPhone();
      const MessageSid = newMessageSid();
      const first = await app.sms(phone, "SIGNUP", { MessageSid });
      const again = await app.sms(phone, "SIGNUP", { MessageSid });
      expect(first.replies).toEqual(["Welcome! What's your email address?"]);
      expect(again.replies).toEqual(first.replies);
      const inbound = (await conversation(app, phone)).transcript.filter(
        (entry: { direction: string }) => entry.direction === "in",
      );
      expect(inbound).toHaveLength(1);
    });

    it("handles 20 messages of one phone sent at once, one at a time, none lost", async () => {
      const phone = newPhone();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => app.sms(phone, `hello ${i}`)));
      expect(results.map((result) => result.status)).toEqual(Array(20).fill(200));
      expect(results.map((result) => result.replies)).toEqual(Array(20).fill([HI]));
      const inbound = (await conversation(app, phone)).transcript
        .filter((entry: { direction: string }) => entry.direction === "in")
        .map((entry: { body: string }) => entry.body);
      expect(inbound.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}`).sort());
    });

    it("STOP silences everything until START; HELP explains", async () => {
      const phone = newPhone();
      await app.sms(phone, "SIGNUP");
      expect((await app.sms(phone, "HELP")).replies[0]).toMatch(/STOP to stop all messages/);
      expect((await app.sms(phone, "STOP")).replies).toEqual([]);
      expect((await app.sms(phone, "ana@example.com")).replies).toEqual([]);
      expect((await app.sms(phone, "HELP")).replies).toEqual([]);
      expect((await conversation(app, phone)).optedOut).toBe(true);
      expect((await app.sms(phone, "START")).replies[0]).toMatch(/What's your email address\?/);
      expect((await conversation(app, phone)).state).toBe("awaitingEmail");
    });

    it("refuses a bad signature with 403 and a body over 64 kB with 413, storing nothing", async () => {
      const phone = newPhone();
      const params = { MessageSid: newMessageSid(), From: phone, To: "+15005550006", Body: "SIGNUP" };
      expect((await app.post("/sms", params, "bm90IGEgc2lnbmF0dXJl")).status).toBe(403);
      expect((await app.sms(phone, "x".repeat(70_000))).status).toBe(413);
      expect((await adminApi(app, `/conversations/${enc(phone)}`)).status).toBe(404);
    });

    it("serves the operator pages: sign in, then one conversation", async () => {
      const phone = newPhone();
      await app.sms(phone, "SIGNUP");
      const anonymous = await fetch(`${app.url}/admin`, { redirect: "manual" });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get("location")).toBe("/admin/login");
      const signIn = await fetch(`${app.url}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: ADMIN_TOKEN }),
      });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      expect(cookie).not.toContain(ADMIN_TOKEN);
      const page = await fetch(`${app.url}/admin/conversations/${enc(phone)}`, { headers: { Cookie: cookie } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain(phone);
      expect(html).toContain("awaitingEmail");
    });

    it("serves the operator API: list, reset, erase", async () => {
      const phone = newPhone();
      await app.sms(phone, "SIGNUP");
      await app.sms(phone, "olga@example.com");
      expect((await adminApi(app, "/conversations", { token: null })).status).toBe(401);
      const list = await adminApi(app, "/conversations?state=awaitingCode");
      expect(list.json.items.map((item: { phone: string }) => item.phone)).toContain(phone);
      expect((await adminApi(app, `/conversations/${enc(phone)}/reset`, { method: "POST" })).json.state).toBe("new");
      const erased = await adminApi(app, `/conversations/${enc(phone)}`, { method: "DELETE" });
      expect(erased.status).toBe(200);
      expect(erased.json.removed).toMatchObject({ conversations: 1, users: 1 });
      expect((await adminApi(app, `/conversations/${enc(phone)}`)).status).toBe(404);
    });
  });

  describe.each([
    ["Twilio Verify v2", "verify"],
    ["legacy Authy", "authy"],
  ])("a whole sign-up with %s", (_name, provider) => {
    let twilio: FakeTwilio;
    let authy: FakeAuthy;
    let app: Target;
    beforeAll(async () => {
      twilio = await FakeTwilio.start();
      authy = await FakeAuthy.start();
      app = await startTarget(
        provider === "verify"
          ? { ...verifyEnv(twilio.url), ADMIN_TOKEN }
          : { ...authyEnv(twilio.url, authy.url), ADMIN_TOKEN },
      );
    }, 120_000);
    afterAll(async () => {
      await app?.stop();
      await authy?.close();
      await twilio?.close();
    });

    it("sends the code through the provider, checks it, and sends the success SMS once", async () => {
      const phone = newPhone();
      await app.sms(phone, "SIGNUP");
      expect((await app.sms(phone, "ben@example.com")).replies).toEqual([SENT]);
      const code = provider === "verify" ? twilio.verifications.get(phone)?.code : authy.codeFor("1", phone.slice(2));
      expect(code).toMatch(/^\d{6,7}$/);
      expect(authy.requests.every((request) => request.headers["x-authy-api-key"] === AUTHY_TEST_KEY)).toBe(true);
      expect((await app.sms(phone, code!)).replies).toEqual([]);
      expect((await conversation(app, phone)).state).toBe("verified");
      const bodies = await eventually(
        () => twilio.bodiesTo(phone),
        (sent) => sent.includes(success("ben@example.com")),
      );
      expect(bodies).toEqual([success("ben@example.com")]);
    });
  });

  describe("the email step, SendGrid through fetch (Workers drain the email outbox too)", () => {
    let twilio: FakeTwilio;
    let sendgrid: FakeSendGrid;
    let app: Target;
    beforeAll(async () => {
      twilio = await FakeTwilio.start();
      sendgrid = await FakeSendGrid.start();
      app = await startTarget({
        ...productionEnv(twilio.url),
        ADMIN_TOKEN,
        EMAIL_VERIFICATION: "code",
        SENDGRID_API_KEY: SENDGRID_TEST_KEY,
        SENDGRID_API_URL: sendgrid.url,
        EMAIL_FROM: "Sign-up <signup@example.test>",
      });
    }, 120_000);
    afterAll(async () => {
      await app?.stop();
      await twilio?.close();
      await sendgrid?.close();
    });

    it("emails the code after the phone's, and the emailed code completes the sign-up", async () => {
      const phone = newPhone();
      await app.sms(phone, "SIGNUP");
      expect((await app.sms(phone, "ana@example.com")).replies).toEqual([SENT]);
      expect((await app.sms(phone, twilio.lastCodeTo(phone) ?? "")).replies).toEqual([
        "Phone confirmed! We emailed a code to ana@example.com. Reply with it, or RESEND for a new one.",
      ]);
      const mails = await eventually(
        () => sendgrid.mails.filter((mail) => mail.to.includes("ana@example.com")),
        (found) => found.length > 0,
      );
      expect(mails).toHaveLength(1);
      const code = /\b(\d{6})\b/.exec(mails[0]?.text ?? "")?.[1] ?? "";
      expect((await app.sms(phone, code)).replies).toEqual([]);
      expect((await conversation(app, phone)).state).toBe("verified");
      await eventually(
        () => twilio.bodiesTo(phone),
        (bodies) => bodies.includes(success("ana@example.com")),
      );
      expect(JSON.stringify((await conversation(app, phone)).transcript)).not.toContain(code);
    });
  });

  describe("local mode (no Twilio account): npm run chat", () => {
    let app: Target;
    const running: RunningProcess[] = [];
    beforeAll(async () => {
      app = await startTarget({});
    }, 120_000);
    afterAll(async () => {
      for (const child of running) child.kill();
      await app?.stop();
    });

    it("completes a sign-up from the terminal phone, the code SMS and the success SMS included", async () => {
      const phone = newPhone();
      const chat = RunningProcess.start(
        "npm",
        ["run", "--silent", "chat", "--", phone, "--url", app.url],
        localModeEnv({ PUBLIC_URL }),
      );
      running.push(chat);
      await chatUpToCode(chat);
      await chat.waitFor(/← You did it! Signup complete :\) Your account is ana@example\.com\./);
      chat.end();
      expect(await chat.exited).toBe(0);
    });
  });
});
