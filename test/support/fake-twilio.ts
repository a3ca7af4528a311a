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
  /** As sent: `+1555…` for SMS, `whatsapp:+1555…` for WhatsApp. */
  to: string;
  /** The phone behind `to`, without its channel prefix. */
  phone: string;
  /** WhatsApp when To (and From) carry the `whatsapp:` prefix, as Twilio reads them. */
  channel: "sms" | "whatsapp";
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  auth: string | undefined;
  /** The resource as created (the list answers with it). */
  resource?: Record<string, unknown>;
}

export interface FakeVerification {
  sid: string;
  code: string;
  checks: number;
  sends: number;
  /** "pending" until approved; approved or expired ones answer 404 (20404) like Verify's soft delete. */
  status: "pending" | "approved" | "expired";
  serviceSid: string;
  /** Of the latest send: each start may ask for another channel and locale. */
  locale: string | null;
  channel: string;
}

/** A call placed through the Calls API with inline TwiML, and what its <Say> reads in which language. */
export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  /** The <Say> element's language attribute (the voice's locale), and its text, unescaped. */
  language: string | null;
  said: string;
  auth: string | undefined;
}

/** Lookup v2's line_type_intelligence.type values (the OpenAPI file's LineTypeIntelligenceInfo). */
export type FakeLineType = "mobile" | "landline" | "fixedVoip" | "nonFixedVoip" | "tollFree" | "unknown";

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

type Api = "messages" | "calls" | "lookup" | "verify";

function apiOf(path: string): Api {
  if (path.startsWith("/v2/PhoneNumbers/")) return "lookup";
  if (path.startsWith("/v2/")) return "verify";
  return /\/Calls\.json$/.test(path) ? "calls" : "messages";
}

const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) =>
    name === "lt" ? "<" : name === "gt" ? ">" : name === "amp" ? "&" : name === "quot" ? '"' : "'",
  );

/**
 * Twilio's Messages API (SMS and WhatsApp), Calls API, Lookup v2 and Verify v2 on 127.0.0.1, speaking the wire
 * format of reference/twilio.md §3-4 and of Twilio's OpenAPI files, recording every request. Faults can be queued
 * per API.
 */
export class FakeTwilio extends FakeServer {
  readonly messages: SentMessage[] = [];
  readonly calls: PlacedCall[] = [];
  readonly faults: Record<Api, Fault[]> = { messages: [], calls: [], lookup: [], verify: [] };
  /** Verify: the live code per phone; a wrong check counts against 5 tries like the real service. */
  readonly verifications = new Map<string, FakeVerification>();
  /** What Lookup says of a phone's line; any phone not listed is a mobile. */
  readonly lineTypes = new Map<string, FakeLineType>();

  /** Bodies sent to one phone by SMS or WhatsApp, oldest first. */
  bodiesTo(phone: string): string[] {
    return this.messages.filter((message) => message.phone === phone).map((message) => message.body);
  }

  /** Messages to one phone, oldest first, with their channel. */
  messagesTo(phone: string): SentMessage[] {
    return this.messages.filter((message) => message.phone === phone);
  }

  /** The last code any SMS or WhatsApp message to this phone carried, or Verify's live code. */
  lastCodeTo(phone: string): string | null {
    const bodies = this.bodiesTo(phone);
    for (let i = bodies.length - 1; i >= 0; i -= 1) {
      const match = /\b(\d{4,10})\b/.exec(bodies[i] ?? "");
      if (match) return match[1] ?? null;
    }
    return this.verifications.get(phone)?.code ?? null;
  }

  /** Calls placed to one phone, oldest first. */
  callsTo(phone: string): PlacedCall[] {
    return this.calls.filter((call) => call.to === phone);
  }

  /** The code the last call to this phone read out (its digits are spoken one by one: "4, 8, 2, …"). */
  lastCalledCodeTo(phone: string): string | null {
    const said = this.callsTo(phone).at(-1)?.said ?? "";
    const match = /\d(?:[,\s]+\d){3,11}/.exec(said);
    return match ? match[0].replace(/\D/g, "") : null;
  }

  /** Lookup requests for a phone, oldest first. */
  lookupRequests(phone?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.path.startsWith("/v2/PhoneNumbers/") &&
        (phone === undefined || decodeURIComponent(request.path.slice("/v2/PhoneNumbers/".length)) === phone),
    );
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const api = apiOf(request.path);
    const fault = this.faults[api].shift();
    if (fault && (await this.playFault(fault, response))) return;
    const account = /^\/2010-04-01\/Accounts\/AC\w{32}\/(Messages|Calls)\.json$/.exec(request.path);
    if (account?.[1] === "Messages" && request.method === "POST") return this.createMessage(request, response);
    if (account?.[1] === "Messages" && request.method === "GET") return this.listMessages(request, response);
    if (account?.[1] === "Calls" && request.method === "POST") return this.createCall(request, response);
    const lookup = /^\/v2\/PhoneNumbers\/([^/]+)$/.exec(request.path);
    if (lookup && request.method === "GET") return this.lookUp(decodeURIComponent(lookup[1] ?? ""), request, response);
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
      // Each send goes by the channel (and in the locale) it asks for: RESEND on WhatsApp, CALL after an SMS.
      existing.channel = channel;
      existing.locale = request.form.get("Locale");
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

  /** POST …/Calls.json: To and From required, and one of Url, Twiml or ApplicationSid (21205 otherwise). */
  private createCall(request: RecordedRequest, response: ServerResponse) {
    const form = request.form;
    const to = form.get("To");
    const from = form.get("From");
    if (!to || !from) return sendJson(response, 400, twilioError(21201, "No 'To' or 'From' number is specified", 400));
    if (!/^\+[1-9]\d{6,14}$/.test(to))
      return sendJson(response, 400, twilioError(21211, `Invalid 'To' Phone Number: ${to}`, 400));
    const twiml = form.get("Twiml");
    if (!twiml && !form.get("Url") && !form.get("ApplicationSid")) {
      return sendJson(response, 400, twilioError(21205, "Url parameter is required.", 400));
    }
    const say = /<Say(?:\s+language="([^"]*)")?[^>]*>([\s\S]*?)<\/Say>/.exec(twiml ?? "");
    const call: PlacedCall = {
      sid: sid("CA"),
      to,
      from,
      twiml: twiml ?? "",
      language: say?.[1] ?? null,
      said: unescapeXml(say?.[2] ?? ""),
      auth: request.headers.authorization,
    };
    this.calls.push(call);
    const now = new Date().toUTCString();
    const base = request.path.replace(".json", "");
    sendJson(response, 201, {
      account_sid: request.path.split("/")[3],
      annotation: null,
      answered_by: null,
      api_version: "2010-04-01",
      caller_name: null,
      date_created: now,
      date_updated: now,
      direction: "outbound-api",
      duration: null,
      end_time: null,
      forwarded_from: null,
      from,
      from_formatted: from,
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: null,
      price: null,
      price_unit: "USD",
      queue_time: "0",
      sid: call.sid,
      start_time: null,
      status: "queued",
      subresource_uris: { recordings: `${base}/${call.sid}/Recordings.json` },
      to,
      to_formatted: to,
      trunk_sid: null,
      uri: `${base}/${call.sid}.json`,
    });
  }

  /** GET /v2/PhoneNumbers/{n}: line_type_intelligence only when Fields asks for it, as Lookup v2 answers. */
  private lookUp(phone: string, request: RecordedRequest, response: ServerResponse) {
    const valid = /^\+[1-9]\d{6,14}$/.test(phone);
    const fields = (request.query.get("Fields") ?? "").split(",").map((field) => field.trim());
    const type = this.lineTypes.get(phone) ?? "mobile";
    sendJson(response, 200, {
      calling_country_code: valid ? phone.slice(1, 2) : null,
      country_code: valid ? "US" : null,
      phone_number: phone,
      national_format: valid ? phone : null,
      valid,
      validation_errors: valid ? [] : ["INVALID_BUT_POSSIBLE"],
      caller_name: null,
      sim_swap: null,
      call_forwarding: null,
      line_status: null,
      line_type_intelligence:
        valid && fields.includes("line_type_intelligence")
          ? {
              error_code: null,
              mobile_country_code: null,
              mobile_network_code: null,
              carrier_name: "Fake Carrier",
              type,
            }
          : null,
      identity_match: null,
      reassigned_number: null,
      sms_pumping_risk: null,
      phone_number_quality_score: null,
      pre_fill: null,
      url: `https://lookups.twilio.com/v2/PhoneNumbers/${phone}`,
    });
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
    const whatsapp = to.startsWith("whatsapp:");
    // Twilio sends WhatsApp only from a WhatsApp sender: both ends carry the prefix, or it refuses (63007).
    if (whatsapp && !form.get("From")?.startsWith("whatsapp:") && !form.get("MessagingServiceSid")) {
      sendJson(
        response,
        400,
        twilioError(63007, "Twilio could not find a Channel with the specified From address", 400),
      );
      return;
    }
    const message: SentMessage = {
      sid: sid("SM"),
      to,
      phone: whatsapp ? to.slice("whatsapp:".length) : to,
      channel: whatsapp ? "whatsapp" : "sms",
      from: form.get("From"),
      messagingServiceSid: form.get("MessagingServiceSid"),
      body,
      statusCallback: form.get("StatusCallback"),
      auth: request.headers.authorization,
    };
    this.messages.push(message);
    const now = new Date().toUTCString();
    message.resource = {
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
    };
    sendJson(response, 201, message.resource);
  }

  /** GET Messages.json: newest first, filtered by To, one page of PageSize (Twilio's list resource). */
  private listMessages(request: RecordedRequest, response: ServerResponse) {
    const to = request.query.get("To");
    const pageSize = Number(request.query.get("PageSize") ?? 50);
    const messages = this.messages
      .filter((message) => to === null || message.to === to)
      .reverse()
      .slice(0, pageSize)
      .map((message) => message.resource);
    sendJson(response, 200, {
      messages,
      end: messages.length - 1,
      first_page_uri: request.path,
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri: request.path,
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
