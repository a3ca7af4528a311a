// What an attacker (or a careless script) can send to the operator API and pages: out-of-range and malformed input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi, cookieOf, signIn } from "../support/admin.js";
import { RunningService, TestClock } from "../support/service.js";

let app: RunningService;
beforeAll(async () => {
  app = await RunningService.start({ env: { ADMIN_TOKEN } });
  await app.sms("+14155557001", "SIGNUP");
});
afterAll(() => app.stop());

const b64url = (text: string) => Buffer.from(text).toString("base64url");

describe("operator input outside its range", () => {
  it.each([
    ["/stats?to=8640000000000001", "to"],
    ["/stats?from=99999999999999999999", "from"],
    ["/stats?to=-5", "to"],
    ["/stats?from=%2B275760-09-13T00%3A00%3A00.001Z", "from"],
    ["/conversations?activeAfter=99999999999999999999", "activeAfter"],
    ["/conversations?activeBefore=1e400", "activeBefore"],
    ["/conversations?q=%00", "q"],
    [`/conversations?cursor=${b64url(JSON.stringify([1.5, "x"]))}`, "cursor"],
    [`/conversations?cursor=${b64url(JSON.stringify([1e308, "x"]))}`, "cursor"],
    [`/conversations?cursor=${b64url(JSON.stringify([1, "+1415\u0000"]))}`, "cursor"],
    ["/conversations?limit=1e400", "limit"],
  ])("GET %s is a 400 that names %s", async (path, field) => {
    const response = await adminApi(app, path);
    expect(response.status).toBe(400);
    expect(response.json.error).toContain(field);
  });

  it("the pages take any window or filter without a 500", async () => {
    const cookie = cookieOf(await signIn(app));
    for (const query of [
      "window=constructor",
      "window=__proto__",
      "since=constructor",
      "since=toString",
      "q=%00",
      "cursor=%00",
    ]) {
      const response = await fetch(`${app.url}/admin?${query}`, { headers: { Cookie: cookie } });
      expect(response.status, query).toBe(200);
    }
  });
});

describe("what operators see", () => {
  it("API answers are never cached and never sniffed, refusals included", async () => {
    for (const token of [ADMIN_TOKEN, null]) {
      const response = await adminApi(app, "/conversations", { token });
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("bidi controls in a person's text are shown as visible marks on the page, never applied", async () => {
    const phone = "+14155557002";
    await app.sms(phone, "pay \u202Eevil\u202C now \u2067x\u2069 \u200F");
    const cookie = cookieOf(await signIn(app));
    const html = await (
      await fetch(`${app.url}/admin/conversations/${encodeURIComponent(phone)}`, { headers: { Cookie: cookie } })
    ).text();
    expect(html).toContain("pay ⟨RLO⟩evil⟨PDF⟩ now ⟨RLI⟩x⟨PDI⟩ ⟨RLM⟩");
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/);
    // The API gives the text exactly as it came, for a program to treat as it must.
    const detail = await adminApi(app, `/conversations/${encodeURIComponent(phone)}`);
    expect(detail.json.transcript[0].body).toBe("pay \u202Eevil\u202C now \u2067x\u2069 \u200F");
  });

  it("a long conversation's transcript and timeline come a page at a time, newest first, in the API and the page", async () => {
    const phone = "+14155557003";
    for (let i = 0; i < 130; i += 1) await app.sms(phone, `hello ${i}`); // 260 transcript lines
    const enc = encodeURIComponent(phone);
    const bodies: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const query: string = before === null ? "" : `?before=${encodeURIComponent(before)}`;
      const page = await adminApi(app, `/conversations/${enc}${query}`);
      expect(page.status).toBe(200);
      expect(page.json.transcript.length).toBeLessThanOrEqual(100);
      bodies.unshift(...page.json.transcript.map((m: { body: string }) => m.body));
      before = page.json.older;
      pages += 1;
    } while (before !== null && pages < 10);
    expect(pages).toBe(3);
    expect(bodies).toHaveLength(260);
    expect(bodies.filter((body) => body.startsWith("hello "))).toEqual(
      Array.from({ length: 130 }, (_, i) => `hello ${i}`),
    );
    expect((await adminApi(app, `/conversations/${enc}?limit=500`)).json.transcript).toHaveLength(260);
    for (const query of ["limit=0", "limit=501", "before=nonsense"]) {
      const refused = await adminApi(app, `/conversations/${enc}?${query}`);
      expect(refused.status, query).toBe(400);
    }

    const cookie = cookieOf(await signIn(app));
    const html = await (await fetch(`${app.url}/admin/conversations/${enc}`, { headers: { Cookie: cookie } })).text();
    expect(html.match(/class="bubble /g)).toHaveLength(100);
    expect(html).toContain("hello 129");
    expect(html).not.toContain("hello 0<");
    const older = /href="([^"]*before=[^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    expect(older).toBeDefined();
    const olderHtml = await (await fetch(`${app.url}${older}`, { headers: { Cookie: cookie } })).text();
    expect(olderHtml).toContain("hello 79");
    expect(olderHtml).not.toContain("hello 129");
  });
});

describe("guessing the operator token, and signing out", () => {
  let guarded: RunningService;
  const clock = new TestClock();
  beforeAll(async () => {
    guarded = await RunningService.start({ env: { ADMIN_TOKEN }, clock });
  });
  afterAll(() => guarded.stop());

  it("wrong sign-ins and wrong bearer tokens from one address are limited, even the right token while it lasts", async () => {
    const wrong = "wrong-token-0123456789abcdef";
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await signIn(guarded, wrong)).status);
    for (let i = 0; i < 10; i += 1) statuses.push((await adminApi(guarded, "/conversations", { token: wrong })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual([429, 429]);
    const limited = await signIn(guarded);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await adminApi(guarded, "/conversations")).status).toBe(429);
    clock.advance(6_000); // one try back: the right token works, and nothing more is owed
    expect((await signIn(guarded)).status).toBe(303);
    expect((await adminApi(guarded, "/conversations")).status).toBe(200);
  });

  it("signing out ends that session only; signing out everywhere ends every session", async () => {
    clock.advance(10 * 60_000);
    const page = (cookie: string) =>
      fetch(`${guarded.url}/admin`, { headers: { Cookie: cookie }, redirect: "manual" }).then((r) => r.status);
    const csrfOf = async (cookie: string) =>
      /name="_csrf" value="([^"]+)"/.exec(
        await (await fetch(`${guarded.url}/admin`, { headers: { Cookie: cookie } })).text(),
      )?.[1] ?? "";
    const post = async (path: string, cookie: string) =>
      fetch(`${guarded.url}/admin${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: guarded.url, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: await csrfOf(cookie) }),
      });
    const [a, b, c] = [
      cookieOf(await signIn(guarded)),
      cookieOf(await signIn(guarded)),
      cookieOf(await signIn(guarded)),
    ];
    expect([await page(a), await page(b), await page(c)]).toEqual([200, 200, 200]);

    expect((await post("/logout", a)).status).toBe(303);
    expect(await page(a)).toBe(303); // the old cookie, replayed, no longer opens anything
    expect(await page(b)).toBe(200);

    expect((await post("/logout-everywhere", b)).status).toBe(303);
    expect([await page(b), await page(c)]).toEqual([303, 303]);
  });
});
