import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, signUp } from "../support/admin.js";
import { launchChromium, skipBrowserTests } from "../support/browser.js";
import { RunningService } from "../support/service.js";

const ANA = "+14155550101";
const BEN = "+14155550102";
const MARKUP = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold</b>`;

describe.skipIf(skipBrowserTests)("operator pages in a real browser", () => {
  let app: RunningService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await RunningService.start({ env: { ADMIN_TOKEN } });
    await signUp(app, ANA, "ana@example.com");
    await app.sms(BEN, "SIGNUP");
    await app.sms(BEN, MARKUP);
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("refuses signed-out access", async () => {
    await page.goto(`${app.url}/admin`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(BEN)}`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    expect(await page.content()).not.toContain(BEN);
    // A change without a session is refused too, even from our own origin.
    const forged = await fetch(`${app.url}/admin/conversations/${encodeURIComponent(BEN)}/reset`, {
      method: "POST",
      headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: "_csrf=x",
      redirect: "manual",
    });
    expect(forged.status).toBe(401);

    await page.fill("input[name=token]", "not-the-token-0123456789");
    await page.click("button[type=submit]");
    expect(await page.textContent("main")).toContain("That token is not right.");
    expect(await context.cookies()).toEqual([]);
  });

  it("signs in with the token into an HttpOnly, SameSite=Strict session that does not hold the token", async () => {
    await page.fill("input[name=token]", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/admin");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });
    expect(cookie?.value).not.toContain(ADMIN_TOKEN);
    const rows = await page.locator("#conversations tbody tr").allInnerTexts();
    expect(rows.join("\n")).toContain(ANA);
    expect(rows.join("\n")).toContain(BEN);
    // The funnel: ANA went all the way, BEN texted SIGNUP but no email yet.
    const bars = await page.locator("svg[aria-label='Sign-up funnel'] text").allTextContents();
    expect(bars).toEqual([
      "Texted SIGNUP",
      "2",
      "Gave an email",
      "1 · 50%",
      "Got a code",
      "1 · 100%",
      "Verified",
      "1 · 100%",
    ]);
    await page.click("#funnel-window a:has-text('30d')");
    expect(await page.textContent("h2")).toBe("Sign-up funnel, last 30d");
  });

  it("finds a conversation and opens it; an SMS of markup shows as text and never runs", async () => {
    await page.fill("input[name=q]", "5550102");
    await page.click("form.filters button[type=submit]");
    const rows = await page.locator("#conversations tbody tr").allInnerTexts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(BEN);

    await page.click(`a:has-text("${BEN}")`);
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/admin/conversations/${BEN}`);
    expect(await page.textContent("#state")).toBe("awaitingEmail");
    expect(await page.locator("g[data-state=awaitingEmail].current").count()).toBe(1);
    expect(await page.locator("g.current").count()).toBe(1);

    const inbound = await page.locator("#transcript .bubble.in").allInnerTexts();
    expect(inbound.some((text) => text.includes(MARKUP))).toBe(true);
    expect(await page.locator("#transcript script, #transcript img, #transcript b").count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("#timeline li").allInnerTexts()).toEqual([
      expect.stringMatching(/new\s*→\s*awaitingEmail\s*SIGNUP/),
    ]);
    await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? "/tmp/sms-signup-conversation.png", fullPage: true });
  });

  it("resets the conversation after a confirmation", async () => {
    await page.click("details.confirm summary:has-text('Reset')");
    await page.click("button:has-text('Yes, reset')");
    expect(new URL(page.url()).searchParams.get("done")).toBe("reset");
    expect(await page.textContent("#state")).toBe("new");
    expect((await page.locator("#timeline li").allInnerTexts()).at(-1)).toMatch(
      /awaitingEmail\s*→\s*new\s*RESET by operator \(pages\)/,
    );
    expect((await app.state(BEN))?.state).toBe("new");
  });

  it("refreshes by itself while open, but not while a confirmation is open", async () => {
    // Playwright's fake clock moves the page's timers: no waiting on the real 10 seconds.
    await page.clock.install();
    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(BEN)}`);
    await app.sms(BEN, "SIGNUP");
    await page.click("details.confirm summary:has-text('Reset')");
    await page.clock.runFor(11_000);
    expect(await page.textContent("#state")).toBe("new");
    await page.click("details.confirm summary:has-text('Reset')");
    await Promise.all([page.waitForURL(/\/admin\/conversations\//, { waitUntil: "load" }), page.clock.runFor(11_000)]);
    await page.waitForFunction(() => document.querySelector("#state")?.textContent === "awaitingEmail");
    expect((await page.locator("#transcript .bubble").allInnerTexts()).at(-1)).toContain(
      "Welcome! What's your email address?",
    );
  });

  it("refuses a change whose form token is not this session's", async () => {
    const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const response = await fetch(`${app.url}/admin/conversations/${encodeURIComponent(ANA)}/erase`, {
      method: "POST",
      headers: { Origin: app.url, Cookie: cookies, "Content-Type": "application/x-www-form-urlencoded" },
      body: "_csrf=forged",
      redirect: "manual",
    });
    expect(response.status).toBe(403);
    const crossSite = await fetch(`${app.url}/admin/conversations/${encodeURIComponent(ANA)}/erase`, {
      method: "POST",
      headers: { Origin: "https://evil.example", Cookie: cookies, "Content-Type": "application/x-www-form-urlencoded" },
      body: "_csrf=forged",
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    expect((await app.state(ANA))?.state).toBe("verified");
  });

  it("erases a conversation after a confirmation, then signs out", async () => {
    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(ANA)}`);
    await page.click("details.confirm summary:has-text('Erase')");
    await page.click("button:has-text('Yes, erase everything')");
    expect(new URL(page.url()).pathname).toBe("/admin");
    expect(await page.textContent("main")).toContain("Erased the conversation of +14•••••0101.");
    expect((await page.locator("#conversations tbody tr").allInnerTexts()).join("\n")).not.toContain(ANA);
    expect(await app.state(ANA)).toBeUndefined();

    await page.click("button:has-text('Sign out')");
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.goto(`${app.url}/admin`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
  });
});

describe("operator pages without ADMIN_TOKEN", () => {
  let app: RunningService;
  beforeAll(async () => {
    app = await RunningService.start();
  });
  afterAll(() => app.stop());

  it("refuses every page and sign-in", async () => {
    for (const path of ["/admin", "/admin/login", "/admin/conversations/%2B14155550101"]) {
      const response = await fetch(`${app.url}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(403);
      expect(await response.text()).toContain("Operator access is disabled");
    }
    const login = await fetch(`${app.url}/admin/login`, {
      method: "POST",
      headers: { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: `token=${ADMIN_TOKEN}`,
      redirect: "manual",
    });
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
  });
});
