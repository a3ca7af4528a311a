import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import twilio from "twilio";
import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_AUTH_TOKEN } from "../../src/config.js";
import { freePort } from "../support/free-port.js";
import { newMessageSid, parseReplies, tempDatabaseUrl } from "../support/service.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

// What `npm start` runs: its prestart bundles the sources into dist/node.js, then node starts the bundle.
execFileSync(process.execPath, ["src/cli/build-node.mjs"], { stdio: "inherit" });
const START = [process.execPath, "--enable-source-maps", "dist/node.js"];

/**
 * `npm start`'s command, as its own process, with only the environment a newcomer has; `atTerminal` runs it on a
 * pseudo-terminal (script(1)), as in a person's terminal.
 */
function startProcess(env: Record<string, string>, { atTerminal = false } = {}) {
  const [command, ...args] = atTerminal ? ["script", "-q", "-e", "-c", START.join(" "), "/dev/null"] : START;
  const child = spawn(command!, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const waitFor = async (text: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw "${text}" in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, waitFor, output: () => output };
}

describe("the Node entry (npm start)", () => {
  it("starts in local mode with no account, answers a signed SIGNUP, logs the code SMS, and stops on SIGTERM", async () => {
    const port = await freePort();
    const proc = startProcess({ PORT: String(port), DATABASE_URL: tempDatabaseUrl() });
    await proc.waitFor("sms-signup listening");
    expect(proc.output()).toContain('"mode":"local');

    const text = async (body: string) => {
      const params = { MessageSid: newMessageSid(), From: "+14155550100", To: "+15005550006", Body: body };
      const signature = twilio.getExpectedTwilioSignature(LOCAL_AUTH_TOKEN, `http://localhost:${port}/sms`, params);
      const response = await fetch(`http://127.0.0.1:${port}/sms`, {
        method: "POST",
        headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
      });
      expect(response.headers.get("content-type")).toMatch(/^text\/xml/);
      return parseReplies(await response.text());
    };
    expect(await text("SIGNUP")).toEqual(["Welcome! What's your email address?"]);
    expect(await text("ana@example.com")).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    await proc.waitFor("local mode: SMS not sent");
    const code = /Your sign-up code is (\d{6})/.exec(proc.output())?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await text(code!)).toEqual([]);
    await proc.waitFor("You did it! Signup complete :)");

    proc.child.kill("SIGTERM");
    const [exitCode] = await once(proc.child, "exit");
    expect(exitCode).toBe(0);
  });

  it("refuses to start on a broken MESSAGES_FILE, naming the language and the key", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "messages-")), "messages.json");
    writeFileSync(file, JSON.stringify({ es: { codeMessage: "Tu código vence en {minutes} minutos." } }));
    const proc = startProcess({ PORT: "0", DATABASE_URL: tempDatabaseUrl(), MESSAGES_FILE: file });
    const [exitCode] = await once(proc.child, "exit");
    expect(exitCode).toBe(1);
    expect(proc.output()).toContain(`MESSAGES_FILE ${file}: es.codeMessage: missing placeholder {code}`);
  });

  it("at a terminal, greets a person with where it runs, how it is set up and what to try next", async () => {
    const port = await freePort();
    const databaseUrl = tempDatabaseUrl();
    const proc = startProcess({ PORT: String(port), DATABASE_URL: databaseUrl, TERM: "dumb" }, { atTerminal: true });
    await proc.waitFor("Ctrl-C stops it.");
    const banner = proc.output();
    expect(banner).toContain(`sms-signup is running at http://127.0.0.1:${port}`);
    expect(banner).toMatch(/mode\s+local: no Twilio account/);
    expect(banner).toMatch(/provider\s+local/);
    expect(banner).toMatch(/channels\s+SMS and WhatsApp \(printed below\), codes by call too/);
    expect(banner).toMatch(/languages\s+en, es, fr, de, pt by the phone's country or LANG, else en/);
    expect(banner).toContain(`SQLite, ${databaseUrl.slice("file:".length)}`);
    expect(banner).toMatch(/operators\s+off: export ADMIN_TOKEN=\$\(openssl rand -hex 24\), restart/);
    expect(banner).toContain("npm run chat -- +15551234567");
    expect(banner).not.toContain('{"level"');

    // Logs at a terminal are lines for a person, not JSON.
    const params = { MessageSid: newMessageSid(), From: "+14155550100", To: "+15005550006", Body: "hello" };
    await fetch(`http://127.0.0.1:${port}/sms`, {
      method: "POST",
      headers: { "X-Twilio-Signature": "forged", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    await proc.waitFor("webhook rejected");
    expect(proc.output()).toMatch(/WARN.*webhook rejected/);
    expect(proc.output()).not.toContain('"msg":"webhook rejected"');
  });

  it("says in one line that the port is in use, and stops", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as { port: number };
    try {
      const proc = startProcess({ PORT: String(port), DATABASE_URL: tempDatabaseUrl() });
      const [exitCode] = await once(proc.child, "exit");
      expect(exitCode).toBe(1);
      expect(proc.output().trim()).toBe(
        `Port ${port} on 127.0.0.1 is already in use (another npm start?). Stop what uses it, or start on another port: PORT=${port + 1} npm start`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("answers GET / with what this service is and links on, and serves the README it links", async () => {
    const port = await freePort();
    const proc = startProcess({ PORT: String(port), DATABASE_URL: tempDatabaseUrl() });
    await proc.waitFor("sms-signup listening");
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await home.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("sign up for a service by text message");
    for (const href of ["/admin", "/healthz", "/readme"]) expect(html).toContain(`href="${href}"`);
    const readme = await fetch(`http://127.0.0.1:${port}/readme`);
    expect(await readme.text()).toMatch(/^# sms-signup/);
  });

  it("on SIGTERM ends open operator pages' live streams cleanly, so they do not hold the shutdown", async () => {
    const port = await freePort();
    const adminToken = "operator-token-0123456789abcdef";
    const proc = startProcess({ PORT: String(port), DATABASE_URL: tempDatabaseUrl(), ADMIN_TOKEN: adminToken });
    await proc.waitFor("sms-signup listening");
    const base = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${base}/admin/login`, {
      method: "POST",
      headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded" },
      body: `token=${adminToken}`,
      redirect: "manual",
    });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const live = await fetch(`${base}/admin/live?v=stale`, { headers: { Cookie: cookie } });
    expect(live.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = live.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: regions");

    proc.child.kill("SIGTERM");
    // The stream ends as a stream ends (its last chunk), not cut off by the process exiting under it.
    let ended: "cleanly" | string;
    try {
      while (!(await reader.read()).done);
      ended = "cleanly";
    } catch (error) {
      ended = String(error);
    }
    expect(ended).toBe("cleanly");
    const [exitCode] = await once(proc.child, "exit");
    expect(exitCode).toBe(0);
  });

  it("refuses to start on a bad setting, naming it", async () => {
    const proc = startProcess({ PORT: "not-a-port" });
    const [exitCode] = await once(proc.child, "exit");
    expect(exitCode).toBe(1);
    expect(proc.output()).toContain("Invalid configuration:");
    expect(proc.output()).toContain("PORT: must be a whole number from 0 to 65535");
  });
});
