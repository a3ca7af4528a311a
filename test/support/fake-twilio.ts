import type { ServerResponse } from "node:http";
import { FakeServer, type RecordedRequest, sendJson } from "./http-server.js";

/** A fault the fake plays instead of answering normally, once per queued entry. */
export type Fault =
  | { kind: "status"; status: number; body?: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "malformed" }
  | { kind: "drop" };

export interface SentMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  auth: string | undefined;
}

export interface FakeVerification {
  sid: string;
  code: string;
  checks: number;
  sends: number;
  /** "pending" until approved; approved or expired ones answer 404 (20404) like Verify's soft delete. */
  status: "pending" | "approved" | "expired";
  serviceSid: string;
  locale: string | null;
  channel: string;
}

/** Verify allows 5 sends and 5 checks per verification (reference/twilio.md §3). */
const VERIFY_MAX_SENDS = 5;
const VERIFY_MAX_CHECKS = 5;

const twilioError = (code: number, message: string, status: number) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

let sequence = 0;
const sid = (prefix: string) => {
  sequence += 1;
  return `${prefix}${(Date.now() * 1000 + sequence).toString(16).padStart(32, "0").slice(-32)}`;
};

/**
 * Twilio's Messages API (and, for the verify provider, Verify v2) on 127.0.0.1, speaking the wire format of
 * reference/twilio.md §3-4, recording every request. Faults can be queued per API.
 */
export class FakeTwilio extends FakeServer {
  readonly messages: SentMessage[] = [];
  readonly faults: { messages: Fault[]; verify: Fault[] } = { messages: [], verify: [] };
  /** Verify: the live code per phone; a wrong check counts against 5 tries like the real service. */
  readonly verifications = new Map<string, FakeVerification>();

  /** Bodies sent to one phone, oldest first. */
  bodiesTo(phone: string): string[] {
    return this.messages.filter((message) => message.to === phone).map((message) => message.body);
  }

  /** The last code any SMS to this phone carried. */
  lastCodeTo(phone: string): string | null {
    const bodies = this.bodiesTo(phone);
    for (let i = bodies.length - 1; i >= 0; i -= 1) {
      const match = /\b(\d{4,10})\b/.exec(bodies[i] ?? "");
      if (match) return match[1] ?? null;
    }
    return this.verifications.get(phone)?.code ?? null;
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const api = request.path.startsWith("/v2/") ? "verify" : "messages";
    const fault = this.faults[api].shift();
    if (fault && (await this.playFault(fault, response))) return;
    if (
      api === "messages" &&
      /^\/2010-04-01\/Accounts\/AC\w{32}\/Messages\.json$/.test(request.path) &&
      request.method === "POST"
    ) {
      return this.createMessage(request, response);
    }
    const start = /^\/v2\/Services\/(VA\w{32})\/Verifications$/.exec(request.path);
    if (api === "verify" && start && request.method === "POST")
      return this.startVerification(start[1] ?? "", request, response);
    const check = /^\/v2\/Services\/(VA\w{32})\/VerificationCheck$/.exec(request.path);
    if (api === "verify" && check && request.method === "POST")
      return this.checkVerification(check[1] ?? "", request, response);
    sendJson(response, 404, {
      code: 20404,
      message: "The requested resource was not found",
      more_info: "https://www.twilio.com/docs/errors/20404",
      status: 404,
    });
  }

  /** Verify requests of one kind ("Verifications" or "VerificationCheck") for a phone, oldest first. */
  verifyRequests(kind: "Verifications" | "VerificationCheck", phone?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.path.startsWith("/v2/") &&
        request.path.endsWith(`/${kind}`) &&
        (phone === undefined || request.form.get("To") === phone),
    );
  }

  /** Lets the pending verification of a phone run out, as 10 minutes would. */
  expireVerification(phone: string): void {
    const verification = this.verifications.get(phone);
    if (verification) verification.status = "expired";
  }

  private verificationResource(verification: FakeVerification, to: string, accountSid: string | undefined) {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      sid: verification.sid,
      service_sid: verification.serviceSid,
      account_sid: accountSid ?? null,
      to,
      channel: verification.channel,
      status: verification.status,
      valid: verification.status === "approved",
      date_created: now,
      date_updated: now,
      amount: null,
      payee: null,
      sna: null,
      url: `https://verify.twilio.com/v2/Services/${verification.serviceSid}/Verifications/${verification.sid}`,
    };
  }

  private accountOf(request: RecordedRequest): string | undefined {
    const auth = request.headers.authorization ?? "";
    return auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")[0] : undefined;
  }

  private startVerification(serviceSid: string, request: RecordedRequest, response: ServerResponse) {
    const to = request.form.get("To");
    const channel = request.form.get("Channel");
    if (!channel || !["sms", "call", "email", "whatsapp", "sna", "auto"].includes(channel)) {
      return sendJson(response, 400, twilioError(60200, "Invalid parameter: Channel", 400));
    }
    // The email channel takes an address as To; every other channel an E.164 number.
    const validTo = channel === "email" ? /^[^@\s]+@[^@\s]+\.[^@\s]+$/ : /^\+[1-9]\d{6,14}$/;
    if (!to || !validTo.test(to)) return sendJson(response, 400, twilioError(60200, "Invalid parameter: To", 400));
    const existing = this.verifications.get(to);
    let verification: FakeVerification;
    if (existing && existing.status === "pending") {
      // A new start while one is pending re-sends the same code, up to 5 sends.
      if (existing.sends >= VERIFY_MAX_SENDS)
        return sendJson(response, 429, twilioError(60203, "Max send attempts reached", 429));
      existing.sends += 1;
      verification = existing;
    } else {
      verification = {
        sid: sid("VE"),
        code: String(100_000 + Math.floor(Math.random() * 900_000)),
        checks: 0,
        sends: 1,
        status: "pending",
        serviceSid,
        locale: request.form.get("Locale"),
        channel,
      };
      this.verifications.set(to, verification);
    }
    sendJson(response, 201, {
      ...this.verificationResource(verification, to, this.accountOf(request)),
      lookup: {},
      send_code_attempts: Array.from({ length: verification.sends }, (_, i) => ({
        time: new Date().toISOString(),
        channel: verification.channel,
        attempt_sid: `VL${String(i).padStart(32, "0")}`,
      })),
    });
  }

  private checkVerification(_serviceSid: string, request: RecordedRequest, response: ServerResponse) {
    const to = request.form.get("To");
    const code = request.form.get("Code");
    if (!code || code.length < 4 || code.length > 10)
      return sendJson(response, 400, twilioError(60200, "Invalid parameter: Code", 400));
    const verification = to ? this.verifications.get(to) : undefined;
    if (!to || !verification || verification.status !== "pending") {
      return sendJson(response, 404, twilioError(20404, "The requested resource was not found", 404));
    }
    if (verification.checks >= VERIFY_MAX_CHECKS)
      return sendJson(response, 429, twilioError(60202, "Max check attempts reached", 429));
    if (code === verification.code) verification.status = "approved";
    else verification.checks += 1;
    sendJson(response, 200, {
      ...this.verificationResource(verification, to, this.accountOf(request)),
      sna_attempts_error_codes: [],
    });
  }

  /** Returns true when the fault answered the request itself. */
  private playFault(fault: Fault, response: ServerResponse): Promise<boolean> {
    return playFault(fault, response);
  }

  private createMessage(request: RecordedRequest, response: ServerResponse) {
    const form = request.form;
    const to = form.get("To");
    const body = form.get("Body");
    if (!to || !body || (!form.get("From") && !form.get("MessagingServiceSid"))) {
      sendJson(response, 400, {
        code: 21604,
        message: "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required",
        status: 400,
      });
      return;
    }
    const message: SentMessage = {
      sid: sid("SM"),
      to,
      from: form.get("From"),
      messagingServiceSid: form.get("MessagingServiceSid"),
      body,
      statusCallback: form.get("StatusCallback"),
      auth: request.headers.authorization,
    };
    this.messages.push(message);
    const now = new Date().toUTCString();
    sendJson(response, 201, {
      account_sid: request.path.split("/")[3],
      api_version: "2010-04-01",
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: "0",
      num_segments: "1",
      price: null,
      price_unit: "USD",
      sid: message.sid,
      status: "queued",
      subresource_uris: { media: `${request.path.replace(".json", "")}/${message.sid}/Media.json` },
      to,
      uri: `${request.path.replace(".json", "")}/${message.sid}.json`,
    });
  }
}

/** Plays a queued fault; returns true when the fault answered the request itself (a delay then answers normally). */
export async function playFault(fault: Fault, response: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case "delay":
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return false;
    case "status":
      sendJson(
        response,
        fault.status,
        fault.body ?? { code: 20500, message: "Internal Server Error", status: fault.status },
      );
      return true;
    case "malformed":
      response.statusCode = 201;
      response.setHeader("Content-Type", "application/json");
      response.end("<html>not json</html>");
      return true;
    case "drop":
      response.socket?.destroy();
      return true;
  }
}
