import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeTwilio, Fault } from "../support/fake-twilio.js";
import { listen } from "../support/http-server.js";
import { authyEnv, verifyEnv } from "../support/provider-env.js";
import { productionEnv, RunningService, TestClock } from "../support/service.js";
import { serviceTest } from "../support/service-test.js";

// Short timeouts so a "slow" fake is slow without slowing the suite: each try gives up after 300 ms, a whole call
// (its retries included) after 2 s. The fake's delay (1 s) outlasts one try but not the deadline.
const FAST = { OUTBOUND_TIMEOUT_MS: "300", OUTBOUND_DEADLINE_MS: "2000" };
const SLOW: Fault = { kind: "delay", ms: 1000 };
const ERROR_500: Fault = {
  kind: "status",
  status: 500,
  body: { code: 20500, message: "Internal Server Error", status: 500 },
};
const RATE_LIMITED: Fault = {
  kind: "status",
  status: 429,
  body: { code: 20429, message: "Too Many Requests", status: 429 },
};

const CODE_SENT = "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.";
const SEND_FAILED = "Sorry, we couldn't send your code just now. Reply with your email again in a minute to retry.";
const CHECK_FAILED = "Sorry, we couldn't check your code just now. Please send it again in a minute.";

let counter = 0;
const nextPhone = () => {
  counter += 1;
  return `+1628555${String(counter).padStart(4, "0")}`;
};
const emailOf = (phone: string) => `p${phone.slice(1)}@example.com`;

const verifyTest = serviceTest({ env: (twilioUrl) => ({ ...verifyEnv(twilioUrl), ...FAST }), clock: new TestClock() });
const messagesTest = serviceTest({ env: (twilioUrl) => ({ ...productionEnv(twilioUrl), ...FAST }) });
const authyTest = serviceTest({ env: (twilioUrl, authyUrl) => ({ ...authyEnv(twilioUrl, authyUrl), ...FAST }) });

async function snapshotContext(app: RunningService, phone: string) {
  const row = await app.state(phone);
  return {
    state: row?.state,
    context: JSON.parse(row?.snapshot ?? "{}").context as { email: string | null; wrongCodes: number },
  };
}

describe("faults on Verify, through whole conversations", () => {
  async function emailStep(app: RunningService, twilio: FakeTwilio, phone: string, faults: Fault[]) {
    await app.sms(phone, "SIGNUP");
    twilio.faults.verify.push(...faults);
    const result = await app.sms(phone, emailOf(phone));
    expect(result.status).toBe(200);
    expect(twilio.faults.verify).toEqual([]);
    return result;
  }

  verifyTest.for<[string, Fault]>([
    ["slow (timeout)", SLOW],
    ["500", ERROR_500],
    ["429 20429", RATE_LIMITED],
    ["a dropped connection", { kind: "drop" }],
    ["a body that is not JSON", { kind: "malformed" }],
  ])(
    "a start that fails once with %s is repeated: the code goes out, once, and works",
    async ([_name, fault], { app, twilio }) => {
      const phone = nextPhone();
      const result = await emailStep(app, twilio, phone, [fault]);
      expect(result.replies).toEqual([CODE_SENT]);
      expect(twilio.verifyRequests("Verifications", phone)).toHaveLength(2);
      expect((await snapshotContext(app, phone)).state).toBe("awaitingCode");
      expect((await app.sms(phone, twilio.verifications.get(phone)!.code)).replies).toEqual([]);
      expect((await app.state(phone))?.state).toBe("verified");
    },
  );

  verifyTest.for<[string, Fault[]]>([
    ["keeps timing out", [SLOW, SLOW, SLOW]],
    ["keeps answering 500", [ERROR_500, ERROR_500, ERROR_500]],
    ["keeps sending bodies that are not JSON", [{ kind: "malformed" }, { kind: "malformed" }, { kind: "malformed" }]],
    ["answers JSON that is not a verification", [{ kind: "status", status: 201, body: { hello: "world" } }]],
  ])(
    "a start that %s: never 'code sent', back to the email, and the next try works",
    async ([_name, faults], { app, twilio }) => {
      const phone = nextPhone();
      const result = await emailStep(app, twilio, phone, faults);
      expect(result.replies).toEqual([SEND_FAILED]);
      expect(twilio.verifyRequests("Verifications", phone)).toHaveLength(faults.length);
      expect(await snapshotContext(app, phone)).toMatchObject({ state: "awaitingEmail", context: { email: null } });
      expect(
        await app.db.selectFrom("users").select("id").where("phone", "=", phone).executeTakeFirst(),
      ).toBeUndefined();

      expect((await app.sms(phone, emailOf(phone))).replies).toEqual([CODE_SENT]);
      expect((await app.state(phone))?.state).toBe("awaitingCode");
    },
  );

  verifyTest.for<[string, Fault]>([
    ["slow (timeout)", SLOW],
    ["500", ERROR_500],
    ["a dropped connection", { kind: "drop" }],
    ["a body that is not JSON", { kind: "malformed" }],
  ])(
    "a check that fails with %s is not repeated (it may have counted): a clear reply, no try lost",
    async ([_name, fault], { app, twilio }) => {
      const phone = nextPhone();
      expect((await emailStep(app, twilio, phone, [])).replies).toEqual([CODE_SENT]);
      twilio.faults.verify.push(fault);
      const failed = await app.sms(phone, "999999");
      expect(failed.status).toBe(200);
      expect(failed.replies).toEqual([CHECK_FAILED]);
      expect(twilio.verifyRequests("VerificationCheck", phone)).toHaveLength(1);
      expect(await snapshotContext(app, phone)).toMatchObject({ state: "awaitingCode", context: { wrongCodes: 0 } });

      expect((await app.sms(phone, twilio.verifications.get(phone)!.code)).replies).toEqual([]);
      expect((await app.state(phone))?.state).toBe("verified");
    },
  );

  verifyTest("no code reached the log or the transcript, whatever failed", async ({ app, twilio }) => {
    const transcript = (await app.db.selectFrom("messages").select("body").execute()).map((m) => m.body).join("\n");
    expect(twilio.verifications.size).toBeGreaterThan(5);
    for (const { code } of twilio.verifications.values()) {
      expect(app.logger.text).not.toMatch(new RegExp(`\\b${code}\\b`));
      expect(transcript).not.toMatch(new RegExp(`\\b${code}\\b`));
    }
  });

  verifyTest(
    "a check refused by Twilio's rate limiter (429 20429) is repeated and goes through",
    async ({ app, twilio }) => {
      const phone = nextPhone();
      await emailStep(app, twilio, phone, []);
      twilio.faults.verify.push(RATE_LIMITED);
      expect((await app.sms(phone, twilio.verifications.get(phone)!.code)).replies).toEqual([]);
      expect(twilio.verifyRequests("VerificationCheck", phone)).toHaveLength(2);
      expect((await app.state(phone))?.state).toBe("verified");
    },
  );
});

describe("Twilio unreachable (connection refused)", () => {
  let app: RunningService;

  beforeAll(async () => {
    // A port that was just free: nothing listens there.
    const closed = await listen(() => undefined);
    await closed.close();
    app = await RunningService.start({ env: { ...verifyEnv(closed.url), ...FAST } });
  });
  afterAll(() => app.stop());

  it("answers the person instead of failing the webhook, and keeps the conversation consistent", async () => {
    const phone = nextPhone();
    await app.sms(phone, "SIGNUP");
    const result = await app.sms(phone, emailOf(phone));
    expect(result.status).toBe(200);
    expect(result.replies).toEqual([SEND_FAILED]);
    expect(await snapshotContext(app, phone)).toMatchObject({ state: "awaitingEmail", context: { email: null } });
    expect(app.logger.entries.some((entry) => entry.message === "Verify call failed")).toBe(true);
  });
});

describe("faults on the Messages API (the local provider's code SMS)", () => {
  const messageRequests = (twilio: FakeTwilio, phone: string) =>
    twilio.requests.filter((r) => r.path.endsWith("/Messages.json") && r.form.get("To") === phone);

  messagesTest.for<[string, Fault]>([
    ["slow (timeout)", SLOW],
    ["500", ERROR_500],
    ["a dropped connection", { kind: "drop" }],
    ["a body that is not JSON", { kind: "malformed" }],
  ])(
    "a code SMS that fails with %s is not repeated (no second SMS): 'couldn't send', and the next try works",
    async ([_name, fault], { app, twilio }) => {
      const phone = nextPhone();
      await app.sms(phone, "SIGNUP");
      twilio.faults.messages.push(fault);
      const result = await app.sms(phone, emailOf(phone));
      expect(result.status).toBe(200);
      expect(result.replies).toEqual([SEND_FAILED]);
      expect(messageRequests(twilio, phone)).toHaveLength(1);
      expect(await snapshotContext(app, phone)).toMatchObject({ state: "awaitingEmail", context: { email: null } });

      expect((await app.sms(phone, emailOf(phone))).replies).toEqual([CODE_SENT]);
      // The code of this send to this phone, read now: a slow fake may still deliver an abandoned SMS later (this
      // case's first, or the slow case's, to another phone, while a later case runs).
      const code = /\b(\d{6})\b/.exec(twilio.bodiesTo(phone).at(-1) ?? "")?.[1];
      expect((await app.sms(phone, code ?? "")).replies).toEqual([]);
      expect((await app.state(phone))?.state).toBe("verified");
      // The success SMS leaves through the outbox after the turn: let it go now, not into the next case's fault.
      await app.service.dispatcher.drain();
    },
  );

  messagesTest("a code SMS refused with 429 20429 is repeated and sent once", async ({ app, twilio }) => {
    const phone = nextPhone();
    await app.sms(phone, "SIGNUP");
    twilio.faults.messages.push(RATE_LIMITED);
    expect((await app.sms(phone, emailOf(phone))).replies).toEqual([CODE_SENT]);
    expect(messageRequests(twilio, phone)).toHaveLength(2);
    expect(twilio.bodiesTo(phone)).toHaveLength(1);
  });
});

describe("faults on the legacy Authy API", () => {
  authyTest.for<[string, Fault]>([
    ["slow (timeout)", SLOW],
    ["500", ERROR_500],
    ["a dropped connection", { kind: "drop" }],
    ["a body that is not JSON", { kind: "malformed" }],
  ])(
    "every call failing once with %s is repeated: registered, code sent, verified",
    async ([_name, fault], { app, authy }) => {
      const phone = nextPhone();
      await app.sms(phone, "SIGNUP");
      const before = authy.requests.length;
      // users/new, then sms/{id}: each fails once and is repeated.
      authy.faults.push(fault);
      expect((await app.sms(phone, emailOf(phone))).replies).toEqual([CODE_SENT]);
      expect(authy.requests.length - before).toBe(3);
      const code = authy.codeFor("1", phone.slice(2))!;
      authy.faults.push(fault);
      expect((await app.sms(phone, code)).replies).toEqual([]);
      expect((await app.state(phone))?.state).toBe("verified");
      expect(authy.faults).toEqual([]);
    },
  );

  authyTest("Authy down for good: 'couldn't send', back to the email", async ({ app, authy }) => {
    const phone = nextPhone();
    await app.sms(phone, "SIGNUP");
    authy.faults.push(ERROR_500, ERROR_500, ERROR_500);
    expect((await app.sms(phone, emailOf(phone))).replies).toEqual([SEND_FAILED]);
    expect(authy.faults).toEqual([]);
    expect(await snapshotContext(app, phone)).toMatchObject({ state: "awaitingEmail", context: { email: null } });
  });
});
