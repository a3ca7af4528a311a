// A phone in the terminal: texts the running service as Twilio would deliver it (signed webhooks) and shows every
// SMS the phone receives: the TwiML replies, and in local mode the SMS sent outside them (the code, the success).
//   npm run chat -- +14155550123 [--url http://127.0.0.1:3000]
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import twilio from "twilio";
import { ConfigError, parseConfig } from "../config.js";
import { E164 } from "../conversation/phone.js";

const POLL_MS = 1_000;

interface Options {
  phone: string;
  /** Where the requests go; the signature is always over PUBLIC_URL, as Twilio signs the URL it was given. */
  targetUrl: string;
  signUrl: string;
  authToken: string;
  accountSid: string;
  to: string;
}

function parseArgs(argv: string[]): Options {
  const config = parseConfig({ ...process.env, LOG_LEVEL: "silent" });
  let phone: string | undefined;
  let url = process.env.CHAT_URL;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    if (arg === "--url") {
      i += 1;
      url = argv[i];
    } else if (arg.startsWith("--url=")) url = arg.slice("--url=".length);
    else if (!phone) phone = arg;
  }
  if (!phone || !E164.test(phone)) {
    throw new UsageError(
      "usage: npm run chat -- +14155550123 [--url http://127.0.0.1:3000]\n(the phone is E.164: a +, the country code, the number)",
    );
  }
  return {
    phone,
    targetUrl: (url ?? config.publicUrl).replace(/\/+$/, ""),
    signUrl: `${config.publicUrl}/sms`,
    authToken: config.twilio.authToken,
    accountSid: config.twilio.accountSid,
    to: config.twilio.phoneNumber ?? "+15005550006",
  };
}

class UsageError extends Error {}

const newMessageSid = () =>
  `SM${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;

/** The texts of TwiML's <Message> elements. */
export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/g)].map((match) =>
    (match[1] ?? "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&"),
  );
}

class TerminalPhone {
  private lastOutboxId = 0;
  private lastEmailId = 0;
  private outboxAvailable: boolean | null = null;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly options: Options) {}

  async text(body: string): Promise<void> {
    const { options } = this;
    const params: Record<string, string> = {
      MessageSid: "",
      SmsSid: "",
      AccountSid: options.accountSid,
      From: options.phone,
      To: options.to,
      Body: body,
      NumMedia: "0",
      NumSegments: "1",
      ApiVersion: "2010-04-01",
    };
    params.MessageSid = params.SmsSid = newMessageSid();
    const signature = twilio.getExpectedTwilioSignature(options.authToken, options.signUrl, params);
    let response: Response;
    try {
      response = await fetch(`${options.targetUrl}/sms`, {
        method: "POST",
        headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
      });
    } catch (error) {
      print(
        `! not sent: ${options.targetUrl} does not answer (${errorText(error)}). Is the service running (npm start)?`,
      );
      return;
    }
    const text = await response.text();
    if (!response.ok) {
      print(`! the service answered ${response.status}: ${text.trim().slice(0, 200)}`);
      if (response.status === 403)
        print("! the signature was refused: PUBLIC_URL and TWILIO_AUTH_TOKEN must be the service's");
      return;
    }
    // The code SMS goes out while the turn runs: show it before the reply that announces it.
    await this.poll();
    for (const reply of twimlMessages(text)) print(`← ${reply}`);
  }

  /** Shows SMS sent outside TwiML (local mode only). Serialized, so that nothing is shown twice. */
  poll(show = true): Promise<void> {
    this.polling = this.polling
      .then(() => this.pollOnce(show))
      .catch((error) => print(`! could not read the outbox: ${String(error)}`));
    return this.polling;
  }

  private async pollOnce(show: boolean): Promise<void> {
    if (this.outboxAvailable === false) return;
    const url = `${this.options.targetUrl}/local/outbox?phone=${encodeURIComponent(this.options.phone)}&after=${this.lastOutboxId}&emailsAfter=${this.lastEmailId}`;
    const response = await fetch(url);
    if (response.status === 404) {
      this.outboxAvailable = false;
      print(
        "(the service is not in local mode: only the replies to your messages are shown here; other SMS go to the real phone)",
      );
      return;
    }
    this.outboxAvailable = true;
    const { messages, emails = [] } = (await response.json()) as {
      messages: { id: number; body: string }[];
      emails?: { id: number; to: string; subject: string; text: string }[];
    };
    for (const sms of messages) {
      if (show) print(`← ${sms.body}`);
      this.lastOutboxId = Math.max(this.lastOutboxId, sms.id);
    }
    // The email step's emails, as the person's inbox would show them.
    for (const email of emails) {
      if (show) print(`✉ to ${email.to}: ${email.subject}\n${email.text.trimEnd().replace(/^/gm, "  ")}`);
      this.lastEmailId = Math.max(this.lastEmailId, email.id);
    }
  }
}

const errorText = (error: unknown) =>
  error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);

/** Set while a person types at a terminal: lines printed meanwhile go above the prompt, which keeps what they typed. */
let prompt: Interface | undefined;

function print(line: string): void {
  if (!prompt) {
    process.stdout.write(`${line}\n`);
    return;
  }
  clearLine(process.stdout, 0);
  cursorTo(process.stdout, 0);
  process.stdout.write(`${line}\n`);
  prompt.prompt(true);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const phone = new TerminalPhone(options);
  const interactive = process.stdin.isTTY === true;
  print(`Texting ${options.targetUrl}/sms as ${options.phone}. Type a message and press Enter; Ctrl-D to hang up.`);
  const health = await fetch(`${options.targetUrl}/healthz`).catch((error: unknown) => errorText(error));
  if (typeof health === "string") {
    console.error(
      `Nothing answers at ${options.targetUrl} (${health}). Start the service first (npm start), or pass --url.`,
    );
    process.exit(1);
  }
  // What an earlier session of this phone was sent is not news: skip it.
  await phone.poll(false);

  const timer = setInterval(() => void phone.poll(), POLL_MS);
  // At a terminal: a prompt, echo, line editing and history (the arrow keys); piped: plain lines in, plain out.
  const lines = interactive
    ? createInterface({ input: process.stdin, output: process.stdout, terminal: true, prompt: "→ ", historySize: 100 })
    : createInterface({ input: process.stdin, terminal: false });
  if (interactive) {
    lines.prompt();
    prompt = lines;
  }
  // One message at a time, in order, as a person types them.
  for await (const line of lines) {
    const body = line.trim();
    if (body === "") {
      if (interactive) lines.prompt();
      continue;
    }
    if (!interactive) print(`→ ${body}`);
    await phone.text(body);
    if (interactive) lines.prompt();
  }
  prompt = undefined;
  if (interactive) process.stdout.write("\n");
  clearInterval(timer);
  await phone.poll();
}

main().catch((error) => {
  if (error instanceof UsageError || error instanceof ConfigError) console.error(error.message);
  else console.error("chat failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});
