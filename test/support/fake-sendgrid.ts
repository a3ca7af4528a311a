import type { ServerResponse } from "node:http";
import { type Fault, playFault } from "./fake-twilio.js";
import { FakeServer, type RecordedRequest, sendJson } from "./http-server.js";

export const SENDGRID_TEST_KEY = "SG.test-key.0123456789";

export interface SendGridMail {
  to: string[];
  from: { email: string; name?: string };
  subject: string;
  text: string;
  html: string;
  raw: Record<string, unknown>;
}

/**
 * SendGrid's v3 Mail Send on 127.0.0.1: POST /v3/mail/send with a Bearer key and the JSON body of its reference
 * (personalizations, from, subject, content), answered 202 with X-Message-Id and no body; errors as
 * {"errors":[{"message","field","help"}]} with SendGrid's statuses (400, 401, 413, 429, 5xx).
 */
export class FakeSendGrid extends FakeServer {
  readonly mails: SendGridMail[] = [];
  readonly faults: Fault[] = [];
  private sequence = 0;

  protected handle(request: RecordedRequest, response: ServerResponse): void | Promise<void> {
    return this.answer(request, response);
  }

  private async answer(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const fault = this.faults.shift();
    if (fault && (await playFault(fault, response))) return;
    if (request.method !== "POST" || request.path !== "/v3/mail/send") {
      return sendJson(response, 404, { errors: [{ message: "not found", field: null, help: null }] });
    }
    if (request.headers.authorization !== `Bearer ${SENDGRID_TEST_KEY}`) {
      return sendJson(response, 401, {
        errors: [
          { message: "The provided authorization grant is invalid, expired, or revoked", field: null, help: null },
        ],
      });
    }
    if (!String(request.headers["content-type"]).startsWith("application/json")) {
      return sendJson(response, 415, {
        errors: [{ message: "Content-Type should be application/json.", field: null }],
      });
    }
    let body: {
      personalizations?: { to?: { email?: string }[] }[];
      from?: { email?: string; name?: string };
      subject?: string;
      content?: { type?: string; value?: string }[];
    };
    try {
      body = JSON.parse(request.body);
    } catch {
      return sendJson(response, 400, { errors: [{ message: "Bad Request", field: null, help: null }] });
    }
    const errors: { message: string; field: string }[] = [];
    const to = (body.personalizations ?? []).flatMap((p) => (p.to ?? []).map((r) => r.email ?? ""));
    if (to.length === 0 || to.some((email) => !email.includes("@")))
      errors.push({
        message: "The to array is required for all personalization objects.",
        field: "personalizations.0.to",
      });
    if (!body.from?.email)
      errors.push({ message: "The from object must be provided for every email send.", field: "from" });
    if (!body.subject) errors.push({ message: "The subject is required.", field: "subject" });
    const content = body.content ?? [];
    if (content.length === 0 || content.some((c) => !c.type || !c.value))
      errors.push({
        message: "Unless a valid template_id is provided, the content parameter is required.",
        field: "content",
      });
    // SendGrid's rule: text/plain first, then text/html.
    if (content.length > 1 && content[0]?.type !== "text/plain")
      errors.push({ message: "The text/plain content type must be first.", field: "content.0.type" });
    if (errors.length > 0) return sendJson(response, 400, { errors: errors.map((e) => ({ ...e, help: null })) });
    this.sequence += 1;
    const id = `sg-${this.sequence.toString(16).padStart(8, "0")}`;
    this.mails.push({
      to,
      from: body.from as { email: string; name?: string },
      subject: body.subject ?? "",
      text: content.find((c) => c.type === "text/plain")?.value ?? "",
      html: content.find((c) => c.type === "text/html")?.value ?? "",
      raw: body as Record<string, unknown>,
    });
    response.statusCode = 202;
    response.setHeader("X-Message-Id", id);
    response.end();
  }
}
