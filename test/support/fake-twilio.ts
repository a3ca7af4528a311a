import type { ServerResponse } from "node:http";
import { listen, sendJson, type RecordedRequest, type TestServer } from "./http-server.js";

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

let sequence = 0;
const sid = (prefix: string) => `${prefix}${(Date.now() * 1000 + (sequence += 1)).toString(16).padStart(32, "0").slice(-32)}`;

/**
 * Twilio's Messages API (and, for the verify provider, Verify v2) on 127.0.0.1, speaking the wire format of
 * reference/twilio.md §3-4, recording every request. Faults can be queued per API.
 */
export class FakeTwilio {
  readonly requests: RecordedRequest[] = [];
  readonly messages: SentMessage[] = [];
  readonly faults: { messages: Fault[]; verify: Fault[] } = { messages: [], verify: [] };
  /** Verify: the live code per phone; a wrong check counts against 5 tries like the real service. */
  readonly verifications = new Map<string, { sid: string; code: string; checks: number; sends: number }>();
  private server!: TestServer;

  static async start(): Promise<FakeTwilio> {
    const fake = new FakeTwilio();
    fake.server = await listen((request, response) => fake.handle(request, response));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

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

  private async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    this.requests.push(request);
    const api = request.path.startsWith("/v2/") ? "verify" : "messages";
    const fault = this.faults[api].shift();
    if (fault && (await this.playFault(fault, response))) return;
    if (api === "messages" && /^\/2010-04-01\/Accounts\/AC\w{32}\/Messages\.json$/.test(request.path) && request.method === "POST") {
      return this.createMessage(request, response);
    }
    sendJson(response, 404, { code: 20404, message: "The requested resource was not found", more_info: "https://www.twilio.com/docs/errors/20404", status: 404 });
  }

  /** Returns true when the fault answered the request itself. */
  private async playFault(fault: Fault, response: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case "status":
        sendJson(response, fault.status, fault.body ?? { code: 20500, message: "Internal Server Error", status: fault.status });
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

  private createMessage(request: RecordedRequest, response: ServerResponse): void {
    const form = request.form;
    const to = form.get("To");
    const body = form.get("Body");
    if (!to || !body || (!form.get("From") && !form.get("MessagingServiceSid"))) {
      sendJson(response, 400, { code: 21604, message: "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required", status: 400 });
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
