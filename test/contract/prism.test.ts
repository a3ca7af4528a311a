import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERIFY_TICKET, VerifyEmailCodes } from "../../src/email/email-codes.js";
import { VerifyEmailSender } from "../../src/email/verify-sender.js";
import { FetchHttpClient } from "../../src/twilio/fetch-http-client.js";
import { TwilioLineTypeLookup } from "../../src/twilio/line-type-lookup.js";
import { TwilioSmsSender } from "../../src/twilio/messages-sender.js";
import { TwilioVoiceCaller } from "../../src/twilio/voice-caller.js";
import { VerifyVerificationProvider } from "../../src/verification/verify.js";
import { type PrismServer, startPrism, twilioOaiDir } from "../support/prism.js";
import { VERIFY_SERVICE_SID, verifyEnv } from "../support/provider-env.js";
import {
  MemoryLogger,
  PUBLIC_URL,
  productionEnv,
  RunningService,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_TWILIO_NUMBER,
} from "../support/service.js";

const oai = twilioOaiDir();
if (!oai) {
  console.warn(
    "Contract tests skipped: Twilio's OpenAPI files (../shared/twilio-oai/twilio_api_v2010.json, twilio_verify_v2.json " +
      "and twilio_lookups_v2.json) are not beside this repository (or in TWILIO_OAI_DIR). They are in CI and on the " +
      "team's machines.",
  );
}

const PHONE = "+14155550123";
const MESSAGES_PATH = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`;
const CALLS_PATH = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Calls.json`;
const CREDENTIALS = { accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN };
/** What Verify's start and check requests hit, and what Prism answered (the check's example status varies). */
const VERIFY_START_AND_CHECK = [
  { path: `/v2/Services/${VERIFY_SERVICE_SID}/Verifications`, status: 201 },
  { path: `/v2/Services/${VERIFY_SERVICE_SID}/VerificationCheck`, status: expect.any(Number) },
];

interface Exchange {
  method: string;
  path: string;
  status: number;
  body: string;
}

/** Our real fetch http client, pointed at Prism, remembering each answer so the test can read Prism's verdict. */
function recordingClient(baseUrl: string) {
  const exchanges: Exchange[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const body = await response.clone().text();
    exchanges.push({
      method: init?.method ?? "GET",
      path: new URL(String(input)).pathname,
      status: response.status,
      body,
    });
    return response;
  };
  return {
    exchanges,
    /** Each request's method and path with Prism's status, the body left out. */
    requests: () => exchanges.map(({ method, path, status }) => ({ method, path, status })),
    httpClient: new FetchHttpClient({ baseUrl, timeoutMs: 10_000, fetch }),
  };
}

function verifyProvider(httpClient: FetchHttpClient) {
  return new VerifyVerificationProvider({
    ...CREDENTIALS,
    serviceSid: VERIFY_SERVICE_SID,
    httpClient,
    verificationTtlMs: 600_000,
    logger: new MemoryLogger(),
  });
}

describe.skipIf(!oai)("our Twilio requests keep Twilio's published contract (Prism on twilio-oai)", () => {
  let messagesPrism: PrismServer;
  let verifyPrism: PrismServer;
  let lookupPrism: PrismServer;

  beforeAll(async () => {
    // One Prism per file: Messages and Calls live in api_v2010, Verify in verify_v2, Lookup in lookups_v2.
    [messagesPrism, verifyPrism, lookupPrism] = await Promise.all([
      startPrism(join(oai!, "twilio_api_v2010.json")),
      startPrism(join(oai!, "twilio_verify_v2.json")),
      startPrism(join(oai!, "twilio_lookups_v2.json")),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([messagesPrism?.stop(), verifyPrism?.stop(), lookupPrism?.stop()]);
  });

  // Each request lacks one required parameter: were Prism not validating, the other tests would prove nothing.
  it.each([
    {
      what: "a Messages create without To",
      prism: () => messagesPrism,
      uri: `https://api.twilio.com${MESSAGES_PATH}`,
      data: { From: TEST_TWILIO_NUMBER, Body: "no recipient" },
      missing: "To",
    },
    {
      what: "a Verify start without Channel",
      prism: () => verifyPrism,
      uri: `https://verify.twilio.com/v2/Services/${VERIFY_SERVICE_SID}/Verifications`,
      data: { To: PHONE },
      missing: "Channel",
    },
    {
      what: "a call without To",
      prism: () => messagesPrism,
      uri: `https://api.twilio.com${CALLS_PATH}`,
      data: { From: TEST_TWILIO_NUMBER, Twiml: "<Response/>" },
      missing: "To",
    },
  ])("validation is on: $what is refused with 422", async ({ prism, uri, data, missing }) => {
    const { httpClient } = recordingClient(prism().url);
    const response = await httpClient.request({
      method: "POST",
      uri,
      username: TEST_ACCOUNT_SID,
      password: TEST_AUTH_TOKEN,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      data,
    });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain(missing);
  });

  it("the Messages API request of TwilioSmsSender is accepted, with a number or a Messaging Service", async () => {
    const { requests, httpClient } = recordingClient(messagesPrism.url);
    const common = { ...CREDENTIALS, statusCallback: `${PUBLIC_URL}/sms/status`, httpClient };
    const viaNumber = new TwilioSmsSender({ ...common, from: TEST_TWILIO_NUMBER });
    const viaService = new TwilioSmsSender({ ...common, messagingServiceSid: `MG${"d".repeat(32)}` });
    const sent = await viaNumber.send({
      to: PHONE,
      body: "You did it! Signup complete :) Your account is ana@example.com.",
    });
    expect(sent.sid).toMatch(/^(SM|MM)/);
    await viaService.send({ to: PHONE, body: "Your sign-up code is 123456." });
    expect(requests()).toEqual([
      { method: "POST", path: MESSAGES_PATH, status: 201 },
      { method: "POST", path: MESSAGES_PATH, status: 201 },
    ]);
  });

  it("a WhatsApp message (To and From with the whatsapp: prefix) is accepted by the Messages API", async () => {
    const { requests, httpClient } = recordingClient(messagesPrism.url);
    const sender = new TwilioSmsSender({
      ...CREDENTIALS,
      from: TEST_TWILIO_NUMBER,
      whatsappFrom: "whatsapp:+14155238886",
      statusCallback: `${PUBLIC_URL}/sms/status`,
      httpClient,
    });
    const sent = await sender.send({ to: PHONE, body: "Tu código de registro es 123456.", channel: "whatsapp" });
    expect(sent.sid).toMatch(/^(SM|MM)/);
    expect(requests()).toEqual([{ method: "POST", path: MESSAGES_PATH, status: 201 }]);
  });

  it("the call of TwilioVoiceCaller (inline TwiML that reads the code) is accepted by the Calls API", async () => {
    const { requests, httpClient } = recordingClient(messagesPrism.url);
    const caller = new TwilioVoiceCaller({ ...CREDENTIALS, from: TEST_TWILIO_NUMBER, httpClient });
    const placed = await caller.call({
      to: PHONE,
      say: "Hola. Tu código de registro es: 1, 2, 3, 4, 5, 6. Repito: 1, 2, 3, 4, 5, 6. Adiós.",
      language: "es",
      transcriptText: "",
    });
    expect(placed.sid).toMatch(/^CA/);
    expect(requests()).toEqual([{ method: "POST", path: CALLS_PATH, status: 201 }]);
  });

  it("the Lookup v2 request of TwilioLineTypeLookup (Fields=line_type_intelligence) is accepted", async () => {
    const { requests, httpClient } = recordingClient(lookupPrism.url);
    const lookup = new TwilioLineTypeLookup({ ...CREDENTIALS, httpClient, logger: new MemoryLogger() });
    // Prism answers with the spec's first example, which has no line type: "unknown", read without an error.
    expect(["mobile", "landline", "voip", "unknown"]).toContain(await lookup.lineType(PHONE));
    expect(requests()).toEqual([{ method: "GET", path: `/v2/PhoneNumbers/${PHONE}`, status: 200 }]);
  });

  it("Verify starts on the call and WhatsApp channels are accepted", async () => {
    const { exchanges, httpClient } = recordingClient(verifyPrism.url);
    const provider = verifyProvider(httpClient);
    const input = { phone: PHONE, email: "ana@example.com", ticket: null, providerId: null, reason: "call" as const };
    for (const channel of ["call", "whatsapp"] as const) {
      expect(await provider.sendCode({ ...input, language: "fr", channel })).toMatchObject({ status: "sent" });
    }
    expect(exchanges.map(({ status }) => status)).toEqual([201, 201]);
  });

  it("both Verify requests of VerifyVerificationProvider are accepted (start with locale, check)", async () => {
    const { exchanges, httpClient } = recordingClient(verifyPrism.url);
    const provider = verifyProvider(httpClient);
    const input = {
      phone: PHONE,
      email: "ana@example.com",
      ticket: null,
      providerId: null,
      language: "es" as const,
      channel: "whatsapp" as const,
    };
    // Prism answers with the spec's examples: a pending verification, an approved check.
    expect(await provider.sendCode({ ...input, reason: "start" })).toEqual({
      status: "sent",
      ticket: null,
      providerId: null,
    });
    expect(await provider.checkCode({ ...input, code: "123456" })).toEqual({ status: "approved" });
    expect(exchanges.map(({ path, status }) => ({ path, status }))).toEqual(VERIFY_START_AND_CHECK);
    expect(exchanges[1]!.status).toBeGreaterThanOrEqual(200);
    expect(exchanges[1]!.status).toBeLessThan(300);
  });

  it("Verify's email channel: the start (To an address, Channel email, Locale) and the check are accepted", async () => {
    const { exchanges, httpClient } = recordingClient(verifyPrism.url);
    const provider = verifyProvider(httpClient);
    const email = {
      kind: "code" as const,
      to: "ana@example.com",
      phone: PHONE,
      language: "en",
      subject: "",
      text: "",
      html: "",
    };
    expect((await new VerifyEmailSender(provider).send(email)).id).toMatch(/^VE/);
    expect(
      await new VerifyEmailCodes(provider).check({ email: email.to, code: "123456", ticket: VERIFY_TICKET }),
    ).toEqual({
      status: "approved",
    });
    expect(exchanges.map(({ path, status }) => ({ path, status }))).toEqual(VERIFY_START_AND_CHECK);
  });

  /**
   * The whole service against Prism, up to the code sent: SIGNUP and the email. Any 422 from Prism would be
   * "couldn't send" here; `rest` goes on with the service, which is stopped after it.
   */
  async function signUpToCodeSent(env: Record<string, string>, rest: (app: RunningService) => Promise<void>) {
    const app = await RunningService.start({ env });
    try {
      await app.sms(PHONE, "SIGNUP");
      expect((await app.sms(PHONE, "ana@example.com")).replies).toEqual([
        "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
      ]);
      await rest(app);
    } finally {
      await app.stop();
    }
  }

  it("the whole service, Verify provider: a conversation against Prism reaches verified", async () => {
    await signUpToCodeSent(verifyEnv(verifyPrism.url), async (app) => {
      // Any 422 from Prism would be "couldn't check" here.
      expect((await app.sms(PHONE, "123456")).replies).toEqual([]);
      expect((await app.state(PHONE))?.state).toBe("verified");
    });
  });

  it("the whole service, local provider: its code SMS through the Messages API passes", async () => {
    await signUpToCodeSent(productionEnv(messagesPrism.url), async (app) => {
      const sent = await app.db
        .selectFrom("messages")
        .select(["channel", "twilio_sid"])
        .where("channel", "=", "api")
        .executeTakeFirstOrThrow();
      expect(sent.twilio_sid).toMatch(/^(SM|MM)/);
    });
  });
});
