import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatUpToCode, localModeEnv, RunningProcess } from "../support/process.js";
import { PUBLIC_URL, productionEnv, RunningService } from "../support/service.js";

const PHONE = "+14155550123";
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const CSI = "\\u001b\\[";

/** The lines a terminal would show at the end: each line's last redraw, escape sequences applied roughly. */
function terminalLines(output: string): string[] {
  return output
    .split(/\r?\n/)
    .map((line) => {
      // A redraw (cursor to column 1, clear) starts the visible line over; the rest only moves the cursor.
      const last = line.split(new RegExp(`${CSI}1G|\r(?!$)`)).at(-1) ?? "";
      return last
        .replace(new RegExp(`${CSI}\\d*[JK]`, "g"), "")
        .replace(new RegExp(`${CSI}\\d*[A-DG]`, "g"), "")
        .replace(/\r$/, "")
        .trimEnd();
    })
    .filter((line) => line !== "");
}

// Each test starts several `npm run` processes (tsx compiles on start): on a busy machine that takes its time.
describe("npm run chat and npm run inspect against a running service", { timeout: 120_000 }, () => {
  let app: RunningService;
  let env: Record<string, string | undefined>;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    // Local mode, as after `npm start` on a fresh machine: no Twilio account anywhere.
    app = await RunningService.start();
    env = localModeEnv({ PUBLIC_URL, DATABASE_URL: app.config.databaseUrl });
  });
  afterAll(async () => {
    for (const process of running) process.kill();
    await app.stop();
  });

  const start = (script: string, args: string[]) => {
    const child = RunningProcess.start(npm, ["run", "--silent", script, "--", ...args], env);
    running.push(child);
    return child;
  };

  it("completes a sign-up from the terminal phone, the code SMS included", async () => {
    const chat = start("chat", [PHONE, "--url", app.url]);
    const code = await chatUpToCode(chat);
    await chat.waitFor(/← You did it! Signup complete :\) Your account is ana@example\.com\./);
    chat.end();
    expect(await chat.exited).toBe(0);

    expect((await app.state(PHONE))?.state).toBe("verified");
    // Each SMS is shown once, in the order the phone got them.
    const received = chat.stdout.split("\n").filter((line) => line.startsWith("← "));
    expect(received).toEqual([
      "← Welcome! What's your email address?",
      `← Your sign-up code is ${code}. It expires in 10 minutes. Don't share it with anyone.`,
      "← We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
      "← You did it! Signup complete :) Your account is ana@example.com.",
    ]);
  });

  it("with the email step, shows the email as an inbox would, and its code finishes the sign-up", async () => {
    const emailApp = await RunningService.start({ env: { EMAIL_VERIFICATION: "code" } });
    try {
      const chat = start("chat", ["+14155550125", "--url", emailApp.url]);
      await chatUpToCode(chat);
      await chat.waitFor(/← Phone confirmed! We emailed a code to ana@example\.com/);
      const [, emailed] = await chat.waitFor(/✉ to ana@example\.com: Your sign-up code\n[^\n]*\n\s*\n\s+(\d{6})/);
      chat.write(emailed!);
      await chat.waitFor(/← You did it! Signup complete :\) Your account is ana@example\.com\./);
      chat.end();
      expect(await chat.exited).toBe(0);
      expect((await emailApp.state("+14155550125"))?.state).toBe("verified");
    } finally {
      await emailApp.stop();
    }
  });

  it("at a terminal (a pseudo-terminal), shows the prompt, echoes and edits what is typed, keeps a history", async () => {
    // script(1) runs the phone on a pseudo-terminal: stdin is a TTY, as for a person at a terminal.
    const command = [npm, "run", "--silent", "chat", "--", "+14155550124", "--url", app.url].join(" ");
    const chat = RunningProcess.start("script", ["-q", "-e", "-c", command, "/dev/null"], env);
    running.push(chat);
    // The prompt is drawn once the phone reads the keyboard (raw mode): typing before it would be echoed twice.
    await chat.waitFor(/Type a message[\s\S]*→ /);
    chat.type("SIGNUP\r");
    await chat.waitFor(/← Welcome! What's your email address\?/);
    // Typed, edited with the arrow keys and backspace, as a person would: "bo@example.com".
    chat.type("bo@example.comm\x1b[D\x7f\r");
    const sent = await chat.waitFor(/← We sent you a code/);
    await chat.waitFor(/→ /, sent.index + sent[0].length);
    // History: the up arrow brings back what was sent before, newest first; Ctrl-U clears the line unsent.
    const beforeHistory = chat.stdout.length;
    chat.type("\x1b[A");
    await chat.waitFor(new RegExp(`→ (${CSI}\\d+G)?bo@example\\.com`), beforeHistory);
    chat.type("\x1b[A");
    await chat.waitFor(new RegExp(`→ (${CSI}\\d+G)?SIGNUP`), beforeHistory);
    chat.type("\x15\x04");
    expect(await chat.exited).toBe(0);
    expect(await app.state("+14155550124")).toMatchObject({ state: "awaitingCode" });
    const screen = terminalLines(chat.stdout);
    expect(screen).toContain("→ SIGNUP");
    expect(screen).toContain("← Welcome! What's your email address?");
    expect(screen).toContain("→ bo@example.com");
    expect(screen.filter((line) => line.startsWith("← Your sign-up code is"))).toHaveLength(1);
  });

  it("works with piped input, and names what went wrong when the signature does not fit", async () => {
    const chat = start("chat", ["+14155550999", "--url", app.url]);
    chat.write("HELP");
    chat.end();
    expect(await chat.exited).toBe(0);
    expect(chat.stdout).toContain("→ HELP");
    expect(chat.stdout).toMatch(/← .*STOP/);

    const wrong = RunningProcess.start(npm, ["run", "--silent", "chat", "--", "+14155550998", "--url", app.url], {
      ...env,
      PUBLIC_URL: "https://elsewhere.example",
    });
    running.push(wrong);
    wrong.write("hello");
    wrong.end();
    expect(await wrong.exited).toBe(0);
    expect(wrong.stdout).toMatch(/answered 403/);
    expect(await app.state("+14155550998")).toBeUndefined();

    const nobody = start("chat", ["+14155550997", "--url", "http://127.0.0.1:9"]);
    expect(await nobody.exited).toBe(1);
    expect(nobody.stderr).toMatch(/Nothing answers at http:\/\/127\.0\.0\.1:9 .*npm start/);

    const usage = start("chat", ["5551234567"]);
    expect(await usage.exited).toBe(1);
    expect(usage.stderr).toMatch(/usage: npm run chat -- \+14155550123/);
  });

  it("lists conversations and shows one, reading the service's database", async () => {
    const list = start("inspect", []);
    const filtered = start("inspect", ["--state", "verified"]);
    const one = start("inspect", [PHONE]);
    const missing = start("inspect", ["+15550000000"]);
    expect(await list.exited).toBe(0);
    const lines = list.stdout.split("\n");
    expect(lines[0]).toMatch(/^PHONE\s+STATE\s+OPTED OUT\s+EMAIL\s+LANGUAGE\s+CHANNEL\s+LAST ACTIVITY$/);
    expect(list.stdout).toMatch(new RegExp(`\\${PHONE}\\s+verified\\s+ana@example\\.com\\s+en\\s+sms`));
    expect(list.stdout).toMatch(/\+14155550999\s+new/);

    expect(await filtered.exited).toBe(0);
    expect(filtered.stdout).toContain(PHONE);
    expect(filtered.stdout).not.toContain("+14155550999");

    expect(await one.exited).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^\\${PHONE}  state: verified`));
    expect(one.stdout).toContain("user: ana@example.com · verified");
    expect(one.stdout).toContain("writes in en · on sms");
    expect(one.stdout).toMatch(/→ "SIGNUP"\s+\[sms, webhook, received\]/);
    expect(one.stdout).toMatch(/← "Your sign-up code is ••••••\. .*"\s+\[sms, api, delivered\]/);
    expect(one.stdout).toMatch(/→ "••••••"/);
    expect(one.stdout).toMatch(/checkingCode\s+checkCode: approved\s+verified/);
    expect(one.stdout).not.toMatch(/code is \d{6}/);

    expect(await missing.exited).toBe(1);
    expect(missing.stderr).toContain("No conversation with +15550000000.");
  });
});

describe("npm run inspect's command line", { timeout: 120_000 }, () => {
  const inspect = (args: string[], databaseUrl: string) =>
    RunningProcess.start(
      npm,
      ["run", "--silent", "inspect", "--", ...args],
      localModeEnv({ DATABASE_URL: databaseUrl }),
    );

  it("explains itself, refuses unknown flags with the known ones, reads --optedOut alone as true", async () => {
    const app = await RunningService.start();
    try {
      await app.sms("+14155550301", "SIGNUP");
      await app.sms("+14155550302", "SIGNUP");
      await app.sms("+14155550302", "STOP");
      const db = app.config.databaseUrl;
      const [help, unknown, optedOut, optedIn, stray] = [
        inspect(["--help"], db),
        inspect(["--sate", "new"], db),
        inspect(["--optedOut"], db),
        inspect(["--optedIn"], db),
        inspect(["+14155550301", "+14155550302"], db),
      ];
      expect(await help.exited).toBe(0);
      expect(help.stdout).toMatch(/^Usage:/);
      expect(help.stdout).toContain("--optedOut");
      expect(await unknown.exited).toBe(2);
      expect(unknown.stderr).toContain("Unknown option '--sate'.");
      expect(unknown.stderr).toContain("Known options: --state, --q, --optedOut, --optedIn, --limit, --help (-h).");
      expect(await optedOut.exited).toBe(0);
      expect(optedOut.stdout).toContain("+14155550302");
      expect(optedOut.stdout).not.toContain("+14155550301");
      expect(await optedIn.exited).toBe(0);
      expect(optedIn.stdout).toContain("+14155550301");
      expect(optedIn.stdout).not.toContain("+14155550302");
      expect(await stray.exited).toBe(2);
      expect(stray.stderr).toContain("One phone at a time");
    } finally {
      await app.stop();
    }
  });

  it("refuses a DATABASE_URL that names no database instead of creating one", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "inspect-")), "missing.sqlite");
    const missing = inspect([], `file:${path}`);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr).toContain(`There is no database at ${path}`);
    expect(existsSync(path)).toBe(false);
  });
});

describe("the local outbox that npm run chat reads", () => {
  it("exists in local mode only: with Twilio credentials, codes go to real phones and are not served", async () => {
    const local = await RunningService.start();
    const production = await RunningService.start({ env: productionEnv("http://127.0.0.1:9") });
    try {
      const ok = await fetch(`${local.url}/local/outbox?phone=${encodeURIComponent(PHONE)}&after=0`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ messages: [], emails: [] });
      expect((await fetch(`${local.url}/local/outbox?phone=nope&after=0`)).status).toBe(400);
      expect((await fetch(`${production.url}/local/outbox?phone=${encodeURIComponent(PHONE)}&after=0`)).status).toBe(
        404,
      );
    } finally {
      await local.stop();
      await production.stop();
    }
  });
});
