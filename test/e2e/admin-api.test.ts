import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi, enc, lastLocalCode, signUp } from "../support/admin.js";
import { RunningService, TestClock } from "../support/service.js";

const ANA = "+14155550101";
const BEN = "+14155550102";
const CAROL = "+14155550103";
const DAN = "+14155550104";
const EVE = "+14155550105";

describe("operator API authorization", () => {
  let app: RunningService;
  beforeAll(async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN } });
    await app.sms(ANA, "hello");
  });
  afterAll(() => app.stop());

  it("refuses a request without a token, and one with a wrong token, with 401", async () => {
    for (const token of [null, "wrong-token-0123456789abcdef", `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      for (const path of ["/conversations", `/conversations/${enc(ANA)}`, "/stats", "/openapi.json"]) {
        const response = await adminApi(app, path, { token });
        expect(response.status, `${path} with ${token}`).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(response.text).not.toContain(ANA);
      }
    }
    const reset = await adminApi(app, `/conversations/${enc(ANA)}/reset`, { method: "POST", token: "nope" });
    expect(reset.status).toBe(401);
    const erase = await adminApi(app, `/conversations/${enc(ANA)}`, { method: "DELETE", token: null });
    expect(erase.status).toBe(401);
    expect((await app.state(ANA))?.state).toBe("new");
  });

  it("answers the right token", async () => {
    const response = await adminApi(app, "/conversations");
    expect(response.status).toBe(200);
    expect(response.json.items.map((item: { phone: string }) => item.phone)).toEqual([ANA]);
  });

  it("serves an OpenAPI description of every route", async () => {
    const { status, json } = await adminApi(app, "/openapi.json");
    expect(status).toBe(200);
    expect(json.openapi).toBe("3.1.0");
    expect(Object.keys(json.paths)).toEqual(
      expect.arrayContaining(["/conversations", "/conversations/{phone}", "/conversations/{phone}/reset", "/stats"]),
    );
    expect(json.paths["/conversations/{phone}"].delete).toBeDefined();
    expect(json.components.schemas.ConversationDetail.properties.transcript).toBeDefined();
    expect(json.components.schemas.VisibleContext.properties).not.toHaveProperty("ticket");
  });
});

describe("operator API without ADMIN_TOKEN", () => {
  let app: RunningService;
  beforeAll(async () => {
    app = await RunningService.start();
    await app.sms(ANA, "hello");
  });
  afterAll(() => app.stop());

  it("refuses every operator route, whatever token is sent", async () => {
    for (const token of [null, ADMIN_TOKEN, "anything-at-all-0123456789"]) {
      for (const [method, path] of [
        ["GET", "/conversations"],
        ["GET", `/conversations/${enc(ANA)}`],
        ["POST", `/conversations/${enc(ANA)}/reset`],
        ["DELETE", `/conversations/${enc(ANA)}`],
        ["GET", "/stats"],
        ["GET", "/openapi.json"],
      ] as const) {
        const response = await adminApi(app, path, { method, token });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.json.error).toMatch(/ADMIN_TOKEN is not set/);
      }
    }
    expect(await app.state(ANA)).toBeDefined();
  });
});

describe("operator API over conversations driven through the webhook", () => {
  let app: RunningService;
  const clock = new TestClock();
  const phones = (response: { json: { items: { phone: string }[] } }) => response.json.items.map((item) => item.phone);

  beforeAll(async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN }, clock });
    // Oldest activity first: ANA (verified), BEN (awaiting email), CAROL (awaiting code), DAN (opted out), EVE (new).
    await signUp(app, ANA, "ana@example.com", { clock });
    clock.advance(60_000);
    await app.sms(BEN, "SIGNUP");
    clock.advance(60_000);
    await app.sms(CAROL, "SIGNUP");
    await app.sms(CAROL, "Carol@Example.org");
    clock.advance(60_000);
    await app.sms(DAN, "SIGNUP");
    await app.sms(DAN, "STOP");
    clock.advance(60_000);
    await app.sms(EVE, "hello");
  });
  afterAll(() => app.stop());

  it("lists newest activity first", async () => {
    const all = await adminApi(app, "/conversations");
    expect(phones(all)).toEqual([EVE, DAN, CAROL, BEN, ANA]);
    expect(all.json.items[4]).toMatchObject({
      phone: ANA,
      state: "verified",
      verified: true,
      email: "ana@example.com",
      optedOut: false,
    });
    expect(all.json.nextCursor).toBeNull();
  });

  it("filters by state, by opted out, by a phone or email fragment and by last activity", async () => {
    expect(phones(await adminApi(app, "/conversations?state=verified"))).toEqual([ANA]);
    expect(phones(await adminApi(app, "/conversations?state=awaitingCode"))).toEqual([CAROL]);
    expect(phones(await adminApi(app, "/conversations?state=awaitingEmail"))).toEqual([DAN, BEN]);
    expect(phones(await adminApi(app, "/conversations?optedOut=true"))).toEqual([DAN]);
    expect(phones(await adminApi(app, "/conversations?optedOut=false"))).toEqual([EVE, CAROL, BEN, ANA]);
    expect(phones(await adminApi(app, "/conversations?q=EXAMPLE.ORG"))).toEqual([CAROL]);
    expect(phones(await adminApi(app, "/conversations?q=ana%40"))).toEqual([ANA]);
    expect(phones(await adminApi(app, `/conversations?q=${enc("5550102")}`))).toEqual([BEN]);
    // Wildcards are matched as text, not as patterns.
    expect(phones(await adminApi(app, "/conversations?q=%25"))).toEqual([]);
    expect(phones(await adminApi(app, "/conversations?q=_"))).toEqual([]);
    const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(phones(await adminApi(app, `/conversations?activeAfter=${t0 + 120_000}`))).toEqual([EVE, DAN, CAROL]);
    expect(phones(await adminApi(app, `/conversations?activeBefore=${new Date(t0 + 120_000).toISOString()}`))).toEqual([
      BEN,
      ANA,
    ]);
    expect(
      phones(
        await adminApi(app, `/conversations?activeAfter=${t0 + 60_000}&activeBefore=${t0 + 180_000}&optedOut=false`),
      ),
    ).toEqual([CAROL, BEN]);
  });

  it("rejects bad filters and foreign cursors with 400", async () => {
    expect((await adminApi(app, "/conversations?state=nowhere")).status).toBe(400);
    expect((await adminApi(app, "/conversations?optedOut=maybe")).status).toBe(400);
    expect((await adminApi(app, "/conversations?activeAfter=yesterday")).status).toBe(400);
    expect((await adminApi(app, "/conversations?limit=0")).status).toBe(400);
    expect((await adminApi(app, "/conversations?cursor=bm90LWEtY3Vyc29y")).status).toBe(400);
    expect((await adminApi(app, "/conversations/15551234567")).status).toBe(400);
    // A bare + in a path is a plus, not a space: unencoded works too.
    expect((await adminApi(app, `/conversations/${ANA}`)).json.phone).toBe(ANA);
    expect((await adminApi(app, `/conversations/${enc("+15559999999")}`)).status).toBe(404);
  });

  it("shows one conversation: state, visible context, user, masked transcript with delivery status, timeline", async () => {
    const code = lastLocalCode(app, ANA);
    const { status, json, text } = await adminApi(app, `/conversations/${enc(ANA)}`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ phone: ANA, state: "verified", optedOut: false });
    expect(json.context).toMatchObject({ phone: ANA, email: "ana@example.com", wrongCodes: 0 });
    expect(json.context).not.toHaveProperty("ticket");
    expect(json.user).toMatchObject({ email: "ana@example.com", countryCode: "1", nationalNumber: "4155550101" });
    expect(json.user.verifiedAt).not.toBeNull();
    // Neither the code nor its hash reaches an operator.
    expect(text).not.toContain(code);
    expect(text).not.toContain("sha256:");

    await app.service.dispatcher.drain();
    const again = (await adminApi(app, `/conversations/${enc(ANA)}`)).json;
    const lines = again.transcript.map((m: { direction: string; body: string; status: string }) => [
      m.direction,
      m.body,
      m.status,
    ]);
    expect(lines).toEqual([
      ["in", "SIGNUP", "received"],
      ["out", "Welcome! What's your email address?", "replied"],
      ["in", "ana@example.com", "received"],
      ["out", "Your sign-up code is ••••••. It expires in 10 minutes. Don't share it with anyone.", "delivered"],
      ["out", "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.", "replied"],
      ["in", "••••••", "received"],
      ["out", "You did it! Signup complete :) Your account is ana@example.com.", "delivered"],
    ]);
    expect(
      again.timeline.map((t: { from: string; event: string; to: string }) => `${t.from} -${t.event}-> ${t.to}`),
    ).toEqual([
      "new -SIGNUP-> awaitingEmail",
      "awaitingEmail -TEXT-> checkingEmail",
      "checkingEmail -isEmailTaken: no-> sendingCode",
      "sendingCode -sendCode: sent-> awaitingCode",
      "awaitingCode -TEXT-> checkingCode",
      "checkingCode -checkCode: approved-> verified",
    ]);
    expect(again.timeline[0].at).toBe(new Date(Date.UTC(2026, 10, 25, 12, 0, 0)).toISOString());
  });
});

describe("paging while conversations change", () => {
  let app: RunningService;
  const clock = new TestClock();
  afterEach(() => app.stop());

  it("never repeats or skips a conversation that did not change, whatever moved meanwhile", async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN }, clock });
    const list = Array.from({ length: 7 }, (_, i) => `+1415555020${i}`);
    for (const phone of list) {
      await app.sms(phone, "hello");
      clock.advance(1_000);
    }
    // Two share one instant: the phone breaks the tie.
    await app.sms("+14155550299", "hello");
    const page = (cursor?: string) => adminApi(app, `/conversations?limit=3${cursor ? `&cursor=${cursor}` : ""}`);

    const first = await page();
    expect(first.json.items.map((i: { phone: string }) => i.phone)).toEqual(["+14155550299", list[6], list[5]]);
    // Meanwhile: one already seen and one not yet seen get new activity, and a newcomer arrives.
    clock.advance(1_000);
    await app.sms(list[6]!, "again");
    await app.sms(list[2]!, "again");
    await app.sms("+14155550300", "hello");

    const seen = first.json.items.map((i: { phone: string }) => i.phone);
    let cursor: string | null = first.json.nextCursor;
    while (cursor) {
      const next = await page(cursor);
      seen.push(...next.json.items.map((i: { phone: string }) => i.phone));
      cursor = next.json.nextCursor;
    }
    // Offsets would have shown list[5] twice and skipped another; the keyset shows each unchanged one exactly once.
    expect(seen).toEqual(["+14155550299", list[6], list[5], list[4], list[3], list[1], list[0]]);
    expect(new Set(seen).size).toBe(seen.length);
    // What moved is at the top of a fresh listing.
    const fresh = await adminApi(app, "/conversations?limit=3");
    expect(fresh.json.items.map((i: { phone: string }) => i.phone)).toEqual(
      ["+14155550300", list[6], list[2]].sort().reverse(),
    );
  });
});

describe("operator actions", () => {
  let app: RunningService;
  beforeAll(async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN } });
  });
  afterAll(() => app.stop());

  it("resets a conversation to the start and records it as an operator action", async () => {
    await app.sms(BEN, "SIGNUP");
    await app.sms(BEN, "ben@example.com");
    expect((await app.state(BEN))?.state).toBe("awaitingCode");

    const reset = await adminApi(app, `/conversations/${enc(BEN)}/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(reset.json).toEqual({ phone: BEN, state: "new" });
    const detail = (await adminApi(app, `/conversations/${enc(BEN)}`)).json;
    expect(detail.state).toBe("new");
    expect(detail.context).toMatchObject({ email: null, startedAt: null });
    expect(detail.timeline.at(-1)).toMatchObject({ from: "awaitingCode", event: "RESET by operator (API)", to: "new" });
    // The person starts again from the beginning.
    expect((await app.sms(BEN, "hi")).replies).toEqual(["Hi! Text SIGNUP to create your account."]);
    expect((await adminApi(app, `/conversations/${enc("+15559999999")}/reset`, { method: "POST" })).status).toBe(404);
    expect(await app.state("+15559999999")).toBeUndefined();
  });

  it("erases a person's data and keeps only a record that an erasure happened", async () => {
    await signUp(app, CAROL, "carol@example.com");
    await app.sms(ANA, "hello");
    const erased = await adminApi(app, `/conversations/${enc(CAROL)}`, { method: "DELETE" });
    expect(erased.status).toBe(200);
    expect(erased.json.erased).toBe(true);
    expect(erased.json.removed).toMatchObject({ conversations: 1, users: 1, transitions: 6, webhookClaims: 3 });
    expect(erased.json.removed.messages).toBeGreaterThanOrEqual(6);

    expect((await adminApi(app, `/conversations/${enc(CAROL)}`)).status).toBe(404);
    for (const table of ["conversations", "messages", "transitions", "users", "webhook_claims"] as const) {
      const left = await app.db.selectFrom(table).select("phone").where("phone", "=", CAROL).execute();
      expect(left, table).toEqual([]);
    }
    const erasures = await adminApi(app, "/erasures");
    expect(erasures.json.items).toHaveLength(1);
    expect(erasures.json.items[0]).toMatchObject({ operator: "operator (API)", phoneHint: "+14•••••0103" });
    expect(erasures.text).not.toContain(CAROL);
    // Others are untouched; the same email can now sign up on another phone.
    expect((await app.state(ANA))?.state).toBe("new");
    await signUp(app, DAN, "carol@example.com");
    expect((await app.state(DAN))?.state).toBe("verified");
    expect((await adminApi(app, `/conversations/${enc(CAROL)}`, { method: "DELETE" })).status).toBe(404);
  });
});

describe("stats", () => {
  let app: RunningService;
  const clock = new TestClock();
  const t0 = clock.current;
  beforeAll(async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN }, clock });
    // ANA verifies 90 s after SIGNUP, BEN 30 s after; CAROL gets a code; DAN gives an email already taken; EVE only starts.
    await signUp(app, ANA, "ana@example.com", { beforeCode: () => clock.advance(90_000) });
    clock.advance(1_000);
    await signUp(app, BEN, "ben@example.com", { beforeCode: () => clock.advance(30_000) });
    await app.sms(CAROL, "SIGNUP");
    await app.sms(CAROL, "carol@example.com");
    await app.sms(DAN, "SIGNUP");
    await app.sms(DAN, "ana@example.com");
    await app.sms(EVE, "SIGNUP");
    await app.sms("+14155550106", "hello");
  });
  afterAll(() => app.stop());

  it("counts conversations by state and the funnel with conversion rates and the median time to verified", async () => {
    const { status, json } = await adminApi(app, `/stats?from=${t0}&to=${clock.current + 1}`);
    expect(status).toBe(200);
    expect(json.byState).toEqual({ verified: 2, awaitingCode: 1, awaitingEmail: 2, new: 1 });
    expect(json.funnel).toEqual([
      { step: "started", count: 5, rateFromPrevious: null, rateFromStart: null },
      { step: "emailGiven", count: 4, rateFromPrevious: 0.8, rateFromStart: 0.8 },
      { step: "codeSent", count: 3, rateFromPrevious: 0.75, rateFromStart: 0.6 },
      { step: "verified", count: 2, rateFromPrevious: 0.6667, rateFromStart: 0.4 },
    ]);
    expect(json.medianSignupToVerifiedMs).toBe(60_000);
    expect(json.verifiedSamples).toBe(2);
    expect(json.window.from).toBe(new Date(t0).toISOString());
  });

  it("counts only sign-ups that started within the window", async () => {
    // From just after ANA's SIGNUP: her verification is not a sign-up of this window.
    const { json } = await adminApi(app, `/stats?from=${t0 + 1}&to=${clock.current + 1}`);
    expect(json.funnel.map((s: { count: number }) => s.count)).toEqual([4, 3, 2, 1]);
    expect(json.medianSignupToVerifiedMs).toBe(30_000);
    const empty = (await adminApi(app, `/stats?from=${clock.current + 1}&to=${clock.current + 2}`)).json;
    expect(empty.funnel.map((s: { count: number }) => s.count)).toEqual([0, 0, 0, 0]);
    expect(empty.funnel[1].rateFromPrevious).toBeNull();
    expect(empty.medianSignupToVerifiedMs).toBeNull();
    expect((await adminApi(app, `/stats?from=${t0}&to=${t0}`)).status).toBe(400);
  });
});
