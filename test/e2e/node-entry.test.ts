import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import twilio from "twilio";
import { afterEach, describe, expect, it } from "vitest";
import { LOCAL_AUTH_TOKEN } from "../../src/config.js";
import { newMessageSid, parseReplies, tempDatabaseUrl } from "../support/service.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm start`'s command, as its own process, with only the environment a newcomer has. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
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
      "We sent a code to this phone. Reply with it, or RESEND for a new one.",
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

  it("refuses to start on a bad setting, naming it", async () => {
    const proc = startProcess({ PORT: "not-a-port" });
    const [exitCode] = await once(proc.child, "exit");
    expect(exitCode).toBe(1);
    expect(proc.output()).toContain("Invalid configuration:");
    expect(proc.output()).toContain("PORT: must be a whole number from 0 to 65535");
  });
});
