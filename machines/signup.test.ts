import { describe, expect, it } from "vitest";
import { driveMachine } from "../test/support/machine-driver.js";

async function atCode(options: Parameters<typeof driveMachine>[0] = {}) {
  const m = driveMachine(options);
  await m.text("SIGNUP");
  await m.text("ana@example.com");
  expect(m.state()).toBe("awaitingCode");
  return m;
}

describe("the conversation table, row by row", () => {
  it("new: anything but a keyword explains how to begin", async () => {
    const m = driveMachine();
    expect(await m.text("hello")).toEqual(["Hi! Text SIGNUP to create your account."]);
    expect(m.state()).toBe("new");
  });

  it("new: SIGNUP asks for the email", async () => {
    const m = driveMachine();
    expect(await m.text("SIGNUP")).toEqual(["Welcome! What's your email address?"]);
    expect(m.state()).toBe("awaitingEmail");
  });

  it("awaitingEmail: not an email names the real problem, with an example; the last try says it is the last", async () => {
    const m = driveMachine();
    await m.text("SIGNUP");
    expect(await m.text("ana at example")).toEqual([
      "That doesn't look like an email: it needs an @. Please reply with your email, like ana@example.com.",
    ]);
    expect(await m.text("ana@")).toEqual([
      "There's nothing after the @. Please reply with your email, like ana@example.com.",
    ]);
    expect(await m.text("ana@example")).toEqual([
      "The part after the @ needs a dot, like example.com. Please reply with your email, like ana@example.com.",
    ]);
    expect(await m.text("@example.com")).toEqual([
      "There's nothing before the @. This is your last try: reply with your email, like ana@example.com.",
    ]);
    expect(m.state()).toBe("awaitingEmail");
    expect(m.sends).toHaveLength(0);
  });

  it("awaitingEmail: an email inside a sentence is found, its trailing dot dropped", async () => {
    const m = driveMachine();
    await m.text("SIGNUP");
    expect(await m.text("Hi! my email is Ana.Lopez@Example.com.")).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    expect(m.context().email).toBe("ana.lopez@example.com");
  });

  it("awaitingEmail: a likely typo of a common domain is asked about before any code is sent", async () => {
    const m = driveMachine();
    await m.text("SIGNUP");
    expect(await m.text("ana@gmial.com")).toEqual(["Did you mean ana@gmail.com? Reply YES or send the right one."]);
    expect(m.sends).toHaveLength(0);
    expect(await m.text("YES")).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    expect(m.context().email).toBe("ana@gmail.com");

    // Sent again as it was, after the question: taken as sent.
    const n = driveMachine();
    await n.text("SIGNUP");
    await n.text("bo@hotmial.com");
    await n.text("bo@hotmial.com");
    expect(n.context().email).toBe("bo@hotmial.com");
    expect(n.state()).toBe("awaitingCode");
  });

  it("awaitingCode: CALL reads a code out in a call, within the same cooldown and cap as RESEND", async () => {
    const m = await atCode({ limits: { resendCooldownMs: 0, maxSendsPerWindow: 3 } });
    expect(await m.text("CALL")).toEqual([
      "We're calling you now to read you the code. Reply with it when you have it.",
    ]);
    expect(m.sends.map((send) => send.reason)).toEqual(["start", "call"]);
    await m.text("RESEND");
    expect(await m.text("CALL")).toEqual(["You've asked for a lot of codes. Please try again in 10 minutes."]);
    expect(m.sends).toHaveLength(3);
  });

  it("awaitingEmail: the 5th bad email starts over", async () => {
    const m = driveMachine();
    await m.text("SIGNUP");
    for (let i = 0; i < 4; i += 1) await m.text("nope");
    expect(m.state()).toBe("awaitingEmail");
    expect(await m.text("nope")).toEqual([
      "That's too many tries, so let's start over. Text SIGNUP when you're ready.",
    ]);
    expect(m.state()).toBe("new");
    await m.text("SIGNUP");
    expect(m.context().emailAttempts).toBe(0);
  });

  it("awaitingEmail: an email of a verified account is refused", async () => {
    const m = driveMachine({ taken: ["ana@example.com"] });
    await m.text("SIGNUP");
    expect(await m.text("ANA@example.com")).toEqual(["That email is already registered. Reply with another one."]);
    expect(m.state()).toBe("awaitingEmail");
    expect(m.sends).toHaveLength(0);
  });

  it("awaitingEmail: a valid email sends a code and registers the person", async () => {
    const m = await atCode();
    expect(m.sends).toEqual([{ reason: "start" }]);
    expect(m.effects).toEqual([
      { type: "userRegistered", phone: "+14155550123", email: "ana@example.com", providerId: null },
    ]);
    expect(m.context().codeExpiresAt).toBe(m.now + m.limits.codeTtlMs);
  });

  it("awaitingCode: the right code verifies, and the host is told to send the success SMS", async () => {
    const m = await atCode();
    expect(await m.text("123 456")).toEqual([]);
    expect(m.state()).toBe("verified");
    expect(m.checks).toEqual(["123456"]);
    expect(m.effects.at(-1)).toEqual({
      type: "verified",
      phone: "+14155550123",
      email: "ana@example.com",
      at: m.now,
      emailVerified: false,
    });
    expect(m.context().ticket).toBeNull();
  });

  it("awaitingCode: a wrong code says how many tries are left; the last one asks for RESEND", async () => {
    const m = await atCode();
    expect(await m.text("000000")).toEqual(["That code isn't right. 4 tries left."]);
    for (let i = 0; i < 3; i += 1) await m.text("000000");
    expect(await m.text("000000")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    // Spent: even the right code is no longer checked.
    expect(await m.text("123456")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect(m.checks).toHaveLength(5);
    expect(m.state()).toBe("awaitingCode");
  });

  it("awaitingCode: text that is not a code gets a hint and costs no try", async () => {
    const m = await atCode();
    expect(await m.text("what?")).toEqual([
      "That doesn't look like a code. Reply with the digits we sent you, or RESEND for a new code.",
    ]);
    expect(m.context().wrongCodes).toBe(0);
    expect(m.checks).toHaveLength(0);
  });

  it("verified: anything says who they are verified as", async () => {
    const m = await atCode();
    await m.text("123456");
    for (const body of ["hi", "SIGNUP", "RESEND", "123456"]) {
      expect(await m.text(body)).toEqual(["You're already verified as ana@example.com."]);
    }
    expect(m.state()).toBe("verified");
  });

  it("RESEND before an email asks for the email", async () => {
    const m = driveMachine();
    await m.text("SIGNUP");
    expect(await m.text("RESEND")).toEqual(["We need your email first. Reply with it, like ana@example.com."]);
  });

  it("SIGNUP while waiting for a code starts again at the email", async () => {
    const m = await atCode();
    expect(await m.text("SIGNUP")).toEqual(["Welcome! What's your email address?"]);
    expect(m.state()).toBe("awaitingEmail");
  });
});

describe("limits", () => {
  it("a code lives 10 minutes", async () => {
    const m = await atCode();
    m.advance(10 * 60_000 - 1);
    expect(await m.text("000000")).toEqual(["That code isn't right. 4 tries left."]);
    m.advance(1);
    expect(await m.text("123456")).toEqual(["That code has expired. Reply RESEND for a new one."]);
    expect(m.checks).toHaveLength(1);
  });

  it("RESEND waits out a 30 s cooldown and says how long", async () => {
    const m = await atCode();
    m.advance(10_000);
    expect(await m.text("RESEND")).toEqual(["Please wait 20 seconds, then reply RESEND."]);
    expect(m.sends).toHaveLength(1);
    m.advance(20_000);
    expect(await m.text("RESEND")).toEqual(["We sent your code again. Reply with it when it arrives."]);
    expect(m.sends).toEqual([{ reason: "start" }, { reason: "resend" }]);
  });

  it("at most 5 sends per 10 minutes per phone, and it says when to try again", async () => {
    const m = await atCode();
    for (let i = 0; i < 4; i += 1) {
      m.advance(30_000);
      expect(await m.text("RESEND")).toEqual(["We sent your code again. Reply with it when it arrives."]);
    }
    m.advance(30_000);
    expect(await m.text("RESEND")).toEqual(["You've asked for a lot of codes. Please try again in 8 minutes."]);
    expect(m.sends).toHaveLength(5);
    m.advance(8 * 60_000);
    expect(await m.text("RESEND")).toEqual(["We sent your code again. Reply with it when it arrives."]);
  });

  it("the send cap survives starting over with SIGNUP and another email", async () => {
    const m = await atCode();
    for (let i = 0; i < 4; i += 1) {
      m.advance(30_000);
      await m.text("SIGNUP");
      await m.text(`ana${i}@example.com`);
    }
    m.advance(30_000);
    expect(await m.text("RESEND")).toEqual(["You've asked for a lot of codes. Please try again in 8 minutes."]);
    await m.text("SIGNUP");
    expect(await m.text("other@example.com")).toEqual([
      "You've asked for a lot of codes. Please try again in 8 minutes.",
    ]);
    expect(m.state()).toBe("awaitingEmail");
    expect(m.sends).toHaveLength(5);
  });

  it("failed sends count against the cap, so a failing provider is not hammered", async () => {
    const m = driveMachine({ send: () => ({ status: "unavailable" }) });
    await m.text("SIGNUP");
    for (let i = 0; i < 5; i += 1) await m.text("ana@example.com");
    expect(await m.text("ana@example.com")).toEqual([
      "You've asked for a lot of codes. Please try again in 10 minutes.",
    ]);
    expect(m.sends).toHaveLength(5);
  });

  it("RESEND does not reset wrong-code attempts; a fresh code after exhaustion does", async () => {
    const m = await atCode();
    await m.text("000000");
    await m.text("000000");
    m.advance(30_000);
    await m.text("RESEND");
    expect(m.context().wrongCodes).toBe(2);
    expect(await m.text("000000")).toEqual(["That code isn't right. 2 tries left."]);
    await m.text("000000");
    await m.text("000000");
    expect(m.context().wrongCodes).toBe(5);
    m.advance(30_000);
    await m.text("RESEND");
    expect(m.context().wrongCodes).toBe(0);
    expect(await m.text("123456")).toEqual([]);
    expect(m.state()).toBe("verified");
  });

  it("an idle conversation expires after 24 hours and starts over", async () => {
    const m = await atCode();
    m.advance(24 * 60 * 60_000);
    expect(await m.text("123456")).toEqual([
      "Your sign-up expired after a long pause, so we started over.",
      "Hi! Text SIGNUP to create your account.",
    ]);
    expect(m.state()).toBe("new");
    expect(m.checks).toHaveLength(0);
  });

  it("a verified conversation never expires", async () => {
    const m = await atCode();
    await m.text("123456");
    m.advance(30 * 24 * 60 * 60_000);
    expect(await m.text("hi")).toEqual(["You're already verified as ana@example.com."]);
  });

  it("limits are configurable", async () => {
    const m = await atCode({ limits: { maxWrongCodes: 2, codeTtlMs: 60_000 } });
    expect(await m.text("000000")).toEqual(["That code isn't right. 1 try left."]);
    expect(await m.text("000000")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
  });
});

describe("provider answers", () => {
  it("a failed first send goes back to the email and says so; nothing claims a code was sent", async () => {
    const m = driveMachine({ send: () => ({ status: "unavailable" }) });
    await m.text("SIGNUP");
    expect(await m.text("ana@example.com")).toEqual([
      "Sorry, we couldn't send your code just now. Reply with your email again in a minute to retry.",
    ]);
    expect(m.state()).toBe("awaitingEmail");
    expect(m.context().codeExpiresAt).toBeNull();
    expect(m.effects).toEqual([]);
  });

  it("provider rate limits, undeliverable and blocked numbers each get their own words", async () => {
    const cases = [
      [
        { status: "rate_limited", retryAfterMs: 120_000 },
        "Too many codes were requested for this phone. Please try again in 2 minutes.",
      ],
      [
        { status: "undeliverable" },
        "We couldn't send a code to this number. Sign-up needs a mobile number that can receive SMS.",
      ],
      [{ status: "blocked" }, "We can't send a code to this number right now."],
    ] as const;
    for (const [result, words] of cases) {
      const m = driveMachine({ send: () => result });
      await m.text("SIGNUP");
      expect(await m.text("ana@example.com")).toEqual([words]);
    }
  });

  it("a failed RESEND keeps the live code", async () => {
    let fail = false;
    const m = await atCode({ send: () => (fail ? { status: "unavailable" } : { status: "sent", ticket: "t" }) });
    fail = true;
    m.advance(30_000);
    expect(await m.text("RESEND")).toEqual([
      "Sorry, we couldn't send a new code just now. Reply RESEND in a minute to try again.",
    ]);
    expect(m.state()).toBe("awaitingCode");
    expect(await m.text("123456")).toEqual([]);
  });

  it("check answers: expired, too many attempts, unavailable", async () => {
    let answer: "expired" | "too_many_attempts" | "unavailable" = "expired";
    const m = await atCode({ check: () => ({ status: answer }) });
    expect(await m.text("111111")).toEqual(["That code has expired. Reply RESEND for a new one."]);
    m.advance(30_000);
    await m.text("RESEND");
    answer = "too_many_attempts";
    expect(await m.text("111111")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    m.advance(30_000);
    await m.text("RESEND");
    answer = "unavailable";
    expect(await m.text("111111")).toEqual([
      "Sorry, we couldn't check your code just now. Please send it again in a minute.",
    ]);
    expect(m.context().wrongCodes).toBe(0);
  });
});

describe("the email step (EMAIL_VERIFICATION=code)", () => {
  async function atEmailCode(options: Parameters<typeof driveMachine>[0] = {}) {
    const m = await atCode({ emailVerification: true, ...options });
    expect(await m.text("123456")).toEqual([
      "Phone confirmed! We emailed a code to ana@example.com. Reply with it, or RESEND for a new one.",
    ]);
    expect(m.state()).toBe("awaitingEmailCode");
    return m;
  }

  it("the right phone code leads to an email code; only the right email code completes the sign-up", async () => {
    const m = await atEmailCode();
    expect(m.emailSends).toEqual([{ email: "ana@example.com", reason: "start" }]);
    expect(m.context().phoneVerifiedAt).toBe(m.now);
    expect(m.effects.some((e) => e.type === "verified")).toBe(false);
    expect(await m.text("111111")).toEqual(["That code isn't right. 4 tries left."]);
    expect(await m.text("hello")).toEqual([
      "That doesn't look like a code. Reply with the digits we emailed you, or RESEND for a new one.",
    ]);
    expect(await m.text("654 321")).toEqual([]);
    expect(m.state()).toBe("verified");
    expect(m.emailChecks).toEqual(["111111", "654321"]);
    expect(m.effects.at(-1)).toEqual({
      type: "verified",
      phone: "+14155550123",
      email: "ana@example.com",
      at: m.now,
      emailVerified: true,
    });
    expect(m.context().emailVerifiedAt).toBe(m.now);
    expect(m.context().emailTicket).toBeNull();
  });

  it("no lookup of the address: a taken one goes on exactly like a free one", async () => {
    const m = driveMachine({ emailVerification: true, taken: ["ana@example.com"] });
    await m.text("SIGNUP");
    expect(await m.text("ana@example.com")).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    expect(m.state()).toBe("awaitingCode");
  });

  it("wrong email codes run out; the email code lives as long as an SMS code", async () => {
    const m = await atEmailCode();
    for (let i = 0; i < 4; i++) await m.text("111111");
    expect(await m.text("111111")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    expect(await m.text("654321")).toEqual(["Too many wrong codes. Reply RESEND for a new code."]);
    m.advance(30_000);
    expect(await m.text("RESEND")).toEqual([
      "We emailed a new code to ana@example.com. Reply with it when it arrives.",
    ]);
    expect(m.context().emailWrongCodes).toBe(0);
    m.advance(m.limits.codeTtlMs);
    expect(await m.text("654321")).toEqual(["That code has expired. Reply RESEND for a new one."]);
    expect(m.state()).toBe("awaitingEmailCode");
  });

  it("RESEND of the email code keeps the phone's cooldown and cap", async () => {
    const m = await atEmailCode({ limits: { maxSendsPerWindow: 3 } });
    expect(await m.text("RESEND")).toEqual(["Please wait 30 seconds, then reply RESEND."]);
    m.advance(30_000);
    await m.text("RESEND");
    m.advance(30_000);
    expect((await m.text("RESEND"))[0]).toMatch(/^You've asked for a lot of codes/);
    expect(m.emailSends.map((s) => s.reason)).toEqual(["start", "resend"]);
  });

  it("another address restarts the email step for it; the same address again just prompts", async () => {
    const m = await atEmailCode();
    await m.text("111111");
    expect(await m.text("ana@example.com")).toEqual([
      "Reply with the code we emailed to ana@example.com, or RESEND for a new one.",
    ]);
    expect(await m.text("luz@example.org")).toEqual([
      "Phone confirmed! We emailed a code to luz@example.org. Reply with it, or RESEND for a new one.",
    ]);
    expect(m.context()).toMatchObject({ email: "luz@example.org", emailWrongCodes: 0 });
    expect(m.emailSends.at(-1)).toEqual({ email: "luz@example.org", reason: "start" });
    expect(m.state()).toBe("awaitingEmailCode");
  });

  it("a failed email send says so and lets them RESEND", async () => {
    let fail = true;
    const m = await atCode({
      emailVerification: true,
      sendEmail: () => (fail ? Promise.reject(new Error("down")) : { status: "queued", ticket: "e" }),
    });
    expect(await m.text("123456")).toEqual([
      "Sorry, we couldn't email your code to ana@example.com. Reply RESEND to try again, or send another email.",
    ]);
    expect(m.state()).toBe("awaitingEmailCode");
    fail = false;
    m.advance(30_000);
    expect(await m.text("RESEND")).toEqual([
      "We emailed a new code to ana@example.com. Reply with it when it arrives.",
    ]);
    expect(await m.text("654321")).toEqual([]);
    expect(m.state()).toBe("verified");
  });

  it("idle and SIGNUP leave the email step like any other", async () => {
    const m = await atEmailCode();
    expect(await m.text("SIGNUP")).toEqual(["Welcome! What's your email address?"]);
    const n = await atEmailCode();
    n.advance(n.limits.idleTimeoutMs);
    expect(await n.tick()).toEqual(["Your sign-up expired after a long pause, so we started over."]);
    expect(n.state()).toBe("new");
  });
});
