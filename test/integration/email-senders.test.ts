import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeEmail, noticeEmail } from "../../src/email/content.js";
import { HashedEmailCodes, VerifyEmailCodes } from "../../src/email/email-codes.js";
import { EmailSendError, type OutboundEmail } from "../../src/email/ports.js";
import { SendGridEmailSender } from "../../src/email/sendgrid-sender.js";
import { SmtpEmailSender } from "../../src/email/smtp-sender.js";
import { VerifyEmailSender } from "../../src/email/verify-sender.js";
import { FetchHttpClient } from "../../src/twilio/fetch-http-client.js";
import { VerifyVerificationProvider } from "../../src/verification/verify.js";
import { FakeSendGrid, SENDGRID_TEST_KEY } from "../support/fake-sendgrid.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { VERIFY_SERVICE_SID } from "../support/provider-env.js";
import { MemoryLogger, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from "../support/service.js";
import { codeIn, TestSmtpServer } from "../support/smtp.js";

const TO = "ana@example.com";
const FROM = "Sign-up <signup@example.test>";

function codeMail(language = "en", code = "482913"): OutboundEmail {
  return {
    kind: "code",
    to: TO,
    phone: "+14155550123",
    language,
    ...codeEmail(language, { code, codeTtlMs: 600_000 }),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<EmailSendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmailSendError);
  return error as EmailSendError;
}

describe("SMTP (nodemailer) against a real SMTP server", () => {
  let smtp: TestSmtpServer;
  let sender: SmtpEmailSender;
  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    sender = new SmtpEmailSender({ url: smtp.url, from: FROM, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    sender.close();
    await smtp.close();
  });

  it("delivers the code as text and HTML, large, with nothing to click", async () => {
    const sent = await sender.send(codeMail());
    const [mail] = await smtp.waitFor(TO);
    expect(sent.id).toBe(mail?.messageId);
    expect(mail?.from?.value).toEqual([{ address: "signup@example.test", name: "Sign-up" }]);
    expect(mail?.subject).toBe("Your sign-up code");
    expect(codeIn(mail!)).toBe("482913");
    expect(mail?.text).toContain("It expires in 10 minutes");
    expect(mail?.html).toMatch(/font-size:40px[^>]*>482913</);
    expect(mail?.html).not.toMatch(/<a\b|href=|<img\b|<form\b|https?:\/\//i);
    expect(mail?.headers.get("content-language")).toBe("en");
  });

  it("writes in the person's language", async () => {
    await sender.send({ ...codeMail("es", "555123"), to: "luz@example.com" });
    const [mail] = await smtp.waitFor("luz@example.com");
    expect(mail?.subject).toBe("Tu código de registro");
    expect(mail?.text).toContain("Caduca en 10 minutos");
    expect(mail?.html).toContain('lang="es"');
  });

  it("a notice carries the phone's last two digits and no code", async () => {
    await sender.send({
      kind: "notice",
      to: "owner@example.com",
      phone: "+14155550199",
      language: "en",
      ...noticeEmail("en", { phoneEnding: "23" }),
    });
    const [mail] = await smtp.waitFor("owner@example.com");
    expect(mail?.subject).toBe("Someone tried to sign up with your email");
    expect(mail?.text).toContain("ending in 23");
    expect(mail?.text).not.toMatch(/\d{4,}/);
    expect(mail?.html).not.toMatch(/\d{4,}/);
  });

  it("a 4xx refusal may be retried, a 5xx one is final", async () => {
    smtp.answers.push({ refuse: 451 }, { refuse: 550 });
    expect((await failureOf(sender.send(codeMail()))).retryable).toBe(true);
    const final = await failureOf(sender.send(codeMail()));
    expect(final.retryable).toBe(false);
    expect(final.message).toMatch(/^SMTP 550/);
  });

  it("no server at all may be retried", async () => {
    const closed = await TestSmtpServer.start();
    const url = closed.url;
    await closed.close();
    const nowhere = new SmtpEmailSender({ url, from: FROM, timeoutMs: 1_000 });
    expect((await failureOf(nowhere.send(codeMail()))).retryable).toBe(true);
    nowhere.close();
  });
});

describe("SendGrid v3 through fetch, against a fake speaking its wire format", () => {
  let sendgrid: FakeSendGrid;
  const senderFor = (apiKey = SENDGRID_TEST_KEY) =>
    new SendGridEmailSender({ apiKey, from: FROM, baseUrl: sendgrid.url, timeoutMs: 1_000 });
  beforeAll(async () => {
    sendgrid = await FakeSendGrid.start();
  });
  afterAll(() => sendgrid.close());

  it("posts the mail: personalizations, from, subject, text before HTML, tracking off", async () => {
    const sent = await senderFor().send(codeMail());
    expect(sent.id).toMatch(/^sg-/);
    const [mail] = sendgrid.mails;
    expect(mail).toMatchObject({
      to: [TO],
      from: { email: "signup@example.test", name: "Sign-up" },
      subject: "Your sign-up code",
    });
    expect(mail?.text).toContain("482913");
    expect(mail?.html).toContain(">482913<");
    expect(mail?.raw.tracking_settings).toEqual({
      click_tracking: { enable: false, enable_text: false },
      open_tracking: { enable: false },
    });
  });

  it("429 and 5xx and a dropped connection may be retried; 400 and a bad key are final", async () => {
    sendgrid.faults.push(
      { kind: "status", status: 429, body: { errors: [{ message: "too many requests" }] } },
      { kind: "status", status: 503, body: {} },
      { kind: "drop" },
    );
    for (let i = 0; i < 3; i += 1) expect((await failureOf(senderFor().send(codeMail()))).retryable).toBe(true);
    const badKey = await failureOf(senderFor("SG.wrong").send(codeMail()));
    expect(badKey).toMatchObject({ retryable: false, message: expect.stringMatching(/^SendGrid 401: The provided/) });
    const badTo = await failureOf(senderFor().send({ ...codeMail(), to: "nobody" }));
    expect(badTo).toMatchObject({ retryable: false, message: expect.stringContaining("personalizations.0.to") });
  });
});

describe("Verify's email channel against the Verify fake", () => {
  let twilio: FakeTwilio;
  let verify: VerifyVerificationProvider;
  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    verify = new VerifyVerificationProvider({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      serviceSid: VERIFY_SERVICE_SID,
      httpClient: new FetchHttpClient({ baseUrl: twilio.url, timeoutMs: 1_000 }),
      verificationTtlMs: 600_000,
      logger: new MemoryLogger(),
    });
  });
  afterAll(() => twilio.close());

  it("starts an email verification in the person's language; Verify's code checks against the address", async () => {
    const sent = await new VerifyEmailSender(verify).send(codeMail("es"));
    expect(sent.id).toMatch(/^VE/);
    const [start] = twilio.verifyRequests("Verifications", TO);
    expect(Object.fromEntries(start!.form)).toEqual({ To: TO, Channel: "email", Locale: "es" });
    const codes = new VerifyEmailCodes(verify);
    const { code, ticket } = await codes.issue();
    expect(code).toBeNull();
    expect(await codes.check({ email: TO, code: "000000", ticket })).toEqual({ status: "wrong" });
    const right = twilio.verifications.get(TO)?.code ?? "";
    expect(await codes.check({ email: TO, code: right, ticket })).toEqual({ status: "approved" });
  });

  it("cannot carry a notice, and says so", async () => {
    const failure = await failureOf(
      new VerifyEmailSender(verify).send({
        kind: "notice",
        to: TO,
        phone: "+1",
        language: "en",
        ...noticeEmail("en", { phoneEnding: "12" }),
      }),
    );
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining("EMAIL_SMTP_URL") });
  });
});

describe("our own email codes", () => {
  it("keeps only a salted hash bound to the address", async () => {
    const codes = new HashedEmailCodes();
    const { code, ticket } = await codes.issue(TO);
    expect(code).toMatch(/^\d{6}$/);
    expect(ticket).not.toContain(code ?? "");
    expect(await codes.check({ email: TO, code: code ?? "", ticket })).toEqual({ status: "approved" });
    expect(await codes.check({ email: "eve@example.com", code: code ?? "", ticket })).toEqual({ status: "wrong" });
    expect(await codes.check({ email: TO, code: code === "000000" ? "000001" : "000000", ticket })).toEqual({
      status: "wrong",
    });
    expect(await codes.check({ email: TO, code: code ?? "", ticket: null })).toEqual({ status: "expired" });
  });
});
