// Inside workerd: webhooks signed with the twilio SDK's own signer, sent to the Worker through its fetch handler.
import { env, SELF } from "cloudflare:test";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { parseReplies } from "../support/twiml.js";

export const PUBLIC_URL = "https://sms.example.test";
const TWILIO_NUMBER = "+15005550006";

let counter = 0;
export const messageSid = () => {
  counter += 1;
  const random = crypto.randomUUID().replace(/-/g, "");
  return `SM${(counter.toString(16).padStart(8, "0") + random).slice(0, 32)}`;
};

export interface Reply {
  status: number;
  text: string;
  replies: string[];
}

export async function post(path: string, params: Record<string, string>, signature?: string): Promise<Reply> {
  const signed = signature ?? getExpectedTwilioSignature(env.TWILIO_AUTH_TOKEN, `${PUBLIC_URL}${path}`, params);
  const response = await SELF.fetch(`${PUBLIC_URL}${path}`, {
    method: "POST",
    headers: { "X-Twilio-Signature": signed, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  return { status: response.status, text, replies: parseReplies(text) };
}

export function sms(from: string, body: string, extra: Record<string, string> = {}): Promise<Reply> {
  const sid = extra.MessageSid ?? messageSid();
  return post("/sms", {
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: `AC${"a".repeat(32)}`,
    From: from,
    To: TWILIO_NUMBER,
    Body: body,
    NumMedia: "0",
    ...extra,
  });
}

export interface FakeTwilioState {
  messages: { to: string; body: string; from: string | null }[];
  verifications: Record<string, { code: string; status: string }>;
}

/** What the fake Twilio (a real server in the Node process) has received so far. */
export async function twilioState(): Promise<FakeTwilioState> {
  return (await fetch(`${env.FAKES_URL}/twilio`)).json();
}

export async function authyUsers(): Promise<{ cellphone: string; countryCode: string; code: string | null }[]> {
  return ((await (await fetch(`${env.FAKES_URL}/authy`)).json()) as { users: never[] }).users;
}

export async function bodiesTo(phone: string): Promise<string[]> {
  return (await twilioState()).messages.filter((message) => message.to === phone).map((message) => message.body);
}

/** Waits for something the Worker does after answering (the outbox's alarm), without a fixed sleep. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function rows<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(query)
      .bind(...params)
      .all<T>()
  ).results;
}

export async function conversation(phone: string) {
  return (
    await rows<{ state: string; row_version: number; opted_out: number }>(
      "select state, row_version, opted_out from conversations where phone = ?",
      phone,
    )
  )[0];
}
