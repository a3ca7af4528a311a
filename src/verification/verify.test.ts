import { describe, expect, it } from "vitest";
import { MemoryLogger, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from "../../test/support/service.js";
import { FetchHttpClient } from "../twilio/fetch-http-client.js";
import { VerifyVerificationProvider } from "./verify.js";

const SERVICE = `VA${"e".repeat(32)}`;
const input = {
  phone: "+14155550123",
  email: "ana@example.com",
  ticket: null,
  providerId: null,
  language: "en" as const,
  channel: "sms" as const,
};

/** The provider over our real http client, with Twilio replaced by one canned answer per call. */
function providerAnswering(...answers: Array<{ status: number; body: unknown }>) {
  const requests: URLSearchParams[] = [];
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    requests.push(new URLSearchParams(String(init?.body ?? "")));
    const answer = answers.shift() ?? { status: 500, body: {} };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { "Content-Type": "application/json" },
    });
  };
  const provider = new VerifyVerificationProvider({
    accountSid: TEST_ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    serviceSid: SERVICE,
    httpClient: new FetchHttpClient({ timeoutMs: 1000, fetch, retry: { maxAttempts: 1 } }),
    verificationTtlMs: 10 * 60_000,
    logger: new MemoryLogger(),
  });
  return { provider, requests };
}

const error = (status: number, code: number) => ({
  status,
  body: { code, message: `error ${code}`, more_info: "", status },
});

describe("what Verify answers, in the conversation's terms", () => {
  it.each([
    ["approved", { status: "approved" }],
    ["pending", { status: "wrong" }],
    ["max_attempts_reached", { status: "too_many_attempts" }],
    ["canceled", { status: "expired" }],
    ["expired", { status: "expired" }],
    ["something_new", { status: "unavailable" }],
  ])("a check answered %s", async (status, expected) => {
    const { provider } = providerAnswering({ status: 200, body: { sid: `VE${"1".repeat(32)}`, status } });
    expect(await provider.checkCode({ ...input, code: "123456" })).toEqual(expected);
  });

  it.each([
    [error(404, 20404), { status: "expired" }],
    [error(429, 60202), { status: "too_many_attempts" }],
    [error(401, 20003), { status: "unavailable" }],
  ])("a check refused with %j", async (answer, expected) => {
    expect(await providerAnswering(answer).provider.checkCode({ ...input, code: "123456" })).toEqual(expected);
  });

  it("a code Verify could not take (not 4 to 10 digits) is wrong without asking Verify", async () => {
    const { provider, requests } = providerAnswering();
    expect(await provider.checkCode({ ...input, code: "12345678901" })).toEqual({ status: "wrong" });
    expect(requests).toHaveLength(0);
  });

  it.each([
    [error(429, 60203), { status: "rate_limited", retryAfterMs: 600_000 }],
    [error(400, 60200), { status: "undeliverable" }],
    [error(403, 60205), { status: "undeliverable" }],
    [error(403, 60410), { status: "blocked" }],
    [error(403, 60605), { status: "blocked" }],
    [error(401, 20003), { status: "unavailable" }],
    [{ status: 201, body: { sid: `VE${"1".repeat(32)}`, status: "canceled" } }, { status: "unavailable" }],
  ])("a start answered %j", async (answer, expected) => {
    expect(await providerAnswering(answer).provider.sendCode({ ...input, reason: "start" })).toEqual(expected);
  });

  it("a start sends To, Channel=sms and the locale, and a pending verification is a code on its way", async () => {
    const { provider, requests } = providerAnswering({
      status: 201,
      body: { sid: `VE${"1".repeat(32)}`, status: "pending" },
    });
    expect(await provider.sendCode({ ...input, reason: "resend" })).toEqual({
      status: "sent",
      ticket: null,
      providerId: null,
    });
    expect(Object.fromEntries(requests[0]!)).toEqual({ To: input.phone, Channel: "sms", Locale: "en" });
  });

  it("a start asks for the person's language and channel: Brazilian Portuguese on WhatsApp, Spanish by call", async () => {
    const { provider, requests } = providerAnswering({
      status: 201,
      body: { sid: `VE${"1".repeat(32)}`, status: "pending" },
    });
    await provider.sendCode({ ...input, reason: "start", language: "pt", channel: "whatsapp" });
    await provider.sendCode({ ...input, reason: "resend", language: "es", channel: "call" });
    expect(requests.map((form) => Object.fromEntries(form))).toEqual([
      { To: input.phone, Channel: "whatsapp", Locale: "pt-BR" },
      { To: input.phone, Channel: "call", Locale: "es" },
    ]);
  });
});
