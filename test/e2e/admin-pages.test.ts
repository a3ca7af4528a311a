import { tmpdir } from "node:os";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, signUp } from "../support/admin.js";
import { launchChromium, skipBrowserTests } from "../support/browser.js";
import { RunningService } from "../support/service.js";

const ANA = "+14155550101";
const BEN = "+14155550102";
const FRANCE = "+33612345678";
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
/** Every operator page a signed-in operator can open (the conversation is BEN's). */
const PAGES = [
  "/admin",
  `/admin/conversations/${encodeURIComponent("+14155550102")}`,
  "/admin/erasures",
  "/admin/api-reference",
];
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
    const bars = await page.locator("svg[aria-label^='Sign-up funnel'] text").allTextContents();
    expect(bars).toEqual([
      "Texted SIGNUP",
      "2",
      "Gave an email",
      "1",
      "50% of the step before · 50% of all",
      "Got a code",
      "1",
      "100% of the step before · 50% of all",
      "Verified",
      "1",
      "100% of the step before · 50% of all",
    ]);
    // States in words, the machine's name beside them; no internal state in the counts while nobody is in one.
    const counts = await page.locator("[data-region=counts] tbody th").allInnerTexts();
    expect(counts).toEqual([
      "not signed up yet new",
      "waiting for the email awaitingEmail",
      "waiting for the code awaitingCode",
      "waiting for email code awaitingEmailCode",
      "verified verified",
      "opted out",
    ]);
    expect(await page.locator("select[name=state] option").allInnerTexts()).not.toContainEqual(
      expect.stringContaining("checkingCode"),
    );
    // Times in the operator's zone (the browser's), with UTC on hover.
    const time = page.locator("#conversations time").first();
    expect(await time.getAttribute("title")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(await time.textContent()).not.toContain("UTC");
    await page.click("#funnel-window a:has-text('30d')");
    expect(await page.textContent("#funnel-title")).toBe("Sign-up funnel, last 30d");
  });

  it("finds a conversation and opens it; an SMS of markup shows as text and never runs", async () => {
    await page.fill("input[name=q]", "5550102");
    await page.click("form.filters button[type=submit]");
    const rows = await page.locator("#conversations tbody tr").allInnerTexts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(BEN);

    await page.click(`a:has-text("${BEN}")`);
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/admin/conversations/${BEN}`);
    expect(await page.textContent("#state")).toBe("waiting for the email");
    expect(await page.locator("g[data-state=awaitingEmail].current").count()).toBe(1);
    expect(await page.locator("g.current").count()).toBe(1);

    const inbound = await page.locator("#transcript .bubble.in").allInnerTexts();
    expect(inbound.some((text) => text.includes(MARKUP))).toBe(true);
    expect(await page.locator("#transcript script, #transcript img, #transcript b").count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("#timeline li").allInnerTexts()).toEqual([
      expect.stringMatching(/not signed up yet\s*→\s*waiting for the email\s*SIGNUP[\s\S]*new → awaitingEmail/),
    ]);
    await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? "/tmp/sms-signup-conversation.png", fullPage: true });
  });

  it("resets the conversation after a confirmation that can be cancelled", async () => {
    await page.click("details.confirm summary:has-text('Reset')");
    await page.click("details.confirm[open] button:has-text('Cancel')");
    expect(await page.locator("details.confirm[open]").count()).toBe(0);
    expect((await app.state(BEN))?.state).toBe("awaitingEmail");
    await page.click("details.confirm summary:has-text('Reset')");
    await page.click("button:has-text('Yes, reset')");
    expect(await page.textContent("main")).toContain("The conversation was reset to the start.");
    // The notice is for this moment only: it leaves the address, so a reload does not show it again.
    await page.waitForFunction(() => !location.search.includes("done="));
    expect(await page.textContent("#state")).toBe("not signed up yet");
    expect((await page.locator("#timeline li").allInnerTexts()).at(-1)).toMatch(
      /waiting for the email\s*→\s*not signed up yet\s*RESET by operator \(pages\)/,
    );
    expect((await app.state(BEN))?.state).toBe("new");
  });

  it("tells what Reset does to a verified person's account", async () => {
    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(ANA)}`);
    await page.click("details.confirm summary:has-text('Reset')");
    expect(await page.textContent("details.confirm[open] .confirm-box")).toContain(
      "This person is verified as ana@example.com. Reset only starts the conversation over: their account",
    );
    await page.click("details.confirm[open] button:has-text('Cancel')");
  });

  it("updates an open conversation live, without a reload, keeping the reader's scroll and focus", async () => {
    for (let i = 1; i <= 12; i += 1) await app.sms(BEN, `line ${i}`);
    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(BEN)}`);
    await page.evaluate(() => {
      (window as { __sameDocument?: boolean }).__sameDocument = true;
    });
    const transcript = page.locator("#transcript");
    // Newest messages in view at first.
    await page.waitForFunction(() => {
      const el = document.getElementById("transcript")!;
      return el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    });
    // The reader scrolls up to read, and focuses a link in a part of the page that is about to change.
    await transcript.evaluate((el) => {
      el.scrollTop = 40;
    });
    await page.focus("a:has-text('All conversations')");
    const lastBefore = await page.locator("#transcript .bubble").count();

    await app.sms(BEN, "a new message while the operator reads");
    await page.waitForFunction((count) => document.querySelectorAll("#transcript .bubble").length > count, lastBefore, {
      timeout: 15_000,
    });
    expect(await page.locator("#transcript .bubble.in").last().textContent()).toContain(
      "a new message while the operator reads",
    );
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await transcript.evaluate((el) => el.scrollTop)).toBe(40);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("All conversations");

    // Scrolled to the newest again, the next message comes into view by itself.
    await transcript.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await app.sms(BEN, "and one more");
    await page.waitForFunction(
      () => [...document.querySelectorAll("#transcript .bubble")].some((b) => b.textContent?.includes("and one more")),
      undefined,
      { timeout: 15_000 },
    );
    expect(await transcript.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(24);
  });

  it("keeps the list still under a reader who scrolled and focused a row, and pauses on request", async () => {
    await page.setViewportSize({ width: 1280, height: 480 });
    await page.goto(`${app.url}/admin`);
    await page.evaluate(() => {
      (window as { __sameDocument?: boolean }).__sameDocument = true;
    });
    const benLink = page.locator(`#conversations a[href="/admin/conversations/${encodeURIComponent(BEN)}"]`);
    await benLink.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 120));
    await benLink.focus();
    const topBefore = await benLink.evaluate((el) => el.getBoundingClientRect().top);

    const NEWCOMER = "+14155550177";
    await app.sms(NEWCOMER, "SIGNUP");
    await page.waitForSelector(`#conversations a:has-text("${NEWCOMER}")`, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(BEN);
    const topAfter = await page
      .locator(`#conversations a[href="/admin/conversations/${encodeURIComponent(BEN)}"]`)
      .evaluate((el) => el.getBoundingClientRect().top);
    expect(Math.abs(topAfter - topBefore)).toBeLessThan(2);

    // Paused: news waits, and says so; resumed: it arrives.
    await page.click("#live-pause");
    expect(await page.getAttribute("#live-pause", "aria-pressed")).toBe("true");
    const LATECOMER = "+14155550178";
    await app.sms(LATECOMER, "SIGNUP");
    await page.waitForFunction(
      () => /new activity is waiting/.test(document.getElementById("live-status")?.textContent ?? ""),
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator(`#conversations a:has-text("${LATECOMER}")`).count()).toBe(0);
    await page.click("#live-pause");
    await page.waitForSelector(`#conversations a:has-text("${LATECOMER}")`, { timeout: 5_000 });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it("shows each conversation's language and channel, in the list and on its page, kept live", async () => {
    await page.goto(`${app.url}/admin`);
    const cell = (phone: string, label: string) =>
      page.locator(`#conversations tr[data-key="${phone}"] td[data-label=${label}]`);
    expect(await cell(BEN, "Language").textContent()).toMatch(/^English\s+en\s+by country$/);
    expect(await cell(BEN, "Channel").textContent()).toBe("SMS");

    // BEN moves to WhatsApp and asks for Spanish: the open list says so without a reload.
    await app.sms(`whatsapp:${BEN}`, "Español", { To: "whatsapp:+14155238886" });
    await page.waitForFunction(
      (phone) =>
        document.querySelector(`#conversations tr[data-key="${phone}"] td[data-label=Channel]`)?.textContent ===
        "WhatsApp",
      BEN,
      { timeout: 15_000 },
    );
    expect(await cell(BEN, "Language").textContent()).toMatch(/^Spanish\s+es\s+chosen$/);
    // A French number that chose nothing is written to in French, by its country.
    await app.sms(FRANCE, "bonjour");
    await page.waitForSelector(`#conversations a:has-text("${FRANCE}")`, { timeout: 15_000 });
    expect(await cell(FRANCE, "Language").textContent()).toMatch(/^French\s+fr\s+by country$/);

    await page.goto(`${app.url}/admin/conversations/${encodeURIComponent(BEN)}`);
    expect(await page.textContent("#channel")).toBe("WhatsApp");
    expect(await page.textContent("[data-region=summary]")).toMatch(/writes in Spanish\s*es\s*chosen/);
    const meta = await page.locator("#transcript .bubble .meta").allTextContents();
    expect(meta.at(-2)).toMatch(/· WhatsApp · webhook · received/);
    expect(meta.at(-1)).toMatch(/· WhatsApp · twiml · replied/);
    expect(meta[0]).toMatch(/· SMS · webhook · received/);
  });

  it("fits a 390 px phone screen on every page: no sideways scrolling, the list as cards", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of PAGES) {
      await page.goto(`${app.url}${path}`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `${SHOTS}/390${path.replace(/\W+/g, "-")}.png`, fullPage: true });
    }
    await page.goto(`${app.url}/admin`);
    expect(await page.locator("#conversations thead").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(
      2,
    );
    await page.setViewportSize({ width: 1280, height: 720 });
    for (const path of PAGES) {
      await page.goto(`${app.url}${path}`);
      await page.screenshot({ path: `${SHOTS}/1280${path.replace(/\W+/g, "-")}.png`, fullPage: true });
    }
  });

  it("passes axe on every page in standards mode, with nothing serious or critical", async () => {
    for (const path of ["/", "/admin/login", ...PAGES]) {
      await page.goto(`${app.url}${path}`);
      expect(await page.evaluate(() => document.compatMode), path).toBe("CSS1Compat");
      const results = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
        .analyze();
      const serious = results.violations
        .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
        .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
      expect(serious, path).toEqual([]);
    }
  });

  it("opens the API reference and the OpenAPI document for a signed-in operator, from this server only", async () => {
    const outside: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(app.url)) outside.push(request.url());
    });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const document = await page.goto(`${app.url}/admin/api/openapi.json`);
    expect(document?.status()).toBe(200);
    expect((await document!.json()).info.description).toContain("Authorization: Bearer <ADMIN_TOKEN>");
    await page.goto(`${app.url}/admin/api-reference`);
    await page.waitForSelector("#swagger-ui .opblock", { timeout: 15_000 });
    const operations = await page.locator("#swagger-ui .opblock-summary-path").allInnerTexts();
    expect(operations.map((text) => text.replace(/\s/g, ""))).toContain("/conversations/{phone}/reset");
    expect(outside).toEqual([]);
    expect(violations).toEqual([]);
    // Signed out, neither opens.
    const anonymous = await fetch(`${app.url}/admin/api/openapi.json`);
    expect(anonymous.status).toBe(401);
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
    await page.click("nav a:has-text('Erasures')");
    expect(await page.locator("#erasures tbody tr").allInnerTexts()).toEqual([
      expect.stringMatching(/\+14•••••0101\s+operator \(pages\)/),
    ]);
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
