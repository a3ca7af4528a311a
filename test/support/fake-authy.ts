import type { ServerResponse } from "node:http";
import { type Fault, playFault } from "./fake-twilio.js";
import { FakeServer, type RecordedRequest, sendJson } from "./http-server.js";

export const AUTHY_TEST_KEY = "authy-test-key-0123456789";

interface AuthyUser {
  id: number;
  email: string;
  cellphone: string;
  countryCode: string;
  code: string | null;
}

/** A token Authy sent: by SMS or read out in a call, in the locale asked for. */
export interface AuthySend {
  userId: number;
  channel: "sms" | "call";
  locale: string | null;
  force: boolean;
}

const error = (code: string, message: string) => ({ error_code: code, message, errors: { message }, success: false });

/**
 * The legacy Authy API on 127.0.0.1, as reference/twilio.md §2 describes it: API key header, form-encoded
 * users/new, sms/{id} that is "ignored" without force=true, call/{id} ("Call started..."), verify/{token}/{id}
 * with success as a string. Both sends take `locale`, recorded with the channel.
 */
export class FakeAuthy extends FakeServer {
  readonly users = new Map<number, AuthyUser>();
  /** Played one per request, before the normal answer. */
  readonly faults: Fault[] = [];
  /** Every token sent, by SMS or call, oldest first. */
  readonly sends: AuthySend[] = [];
  private nextId = 1635;

  codeFor(countryCode: string, cellphone: string): string | null {
    for (const user of this.users.values())
      if (user.countryCode === countryCode && user.cellphone === cellphone) return user.code;
    return null;
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const fault = this.faults.shift();
    if (fault && (await playFault(fault, response))) return;
    if (request.headers["x-authy-api-key"] !== AUTHY_TEST_KEY)
      return sendJson(response, 401, error("60001", "Invalid API key"));
    if (request.method === "POST" && request.path === "/protected/json/users/new")
      return this.createUser(request, response);
    const send = /^\/protected\/json\/(sms|call)\/(\d+)$/.exec(request.path);
    if (request.method === "GET" && send) {
      return this.sendToken(send[1] === "call" ? "call" : "sms", Number(send[2]), request, response);
    }
    const verify = /^\/protected\/json\/verify\/([^/]+)\/(\d+)$/.exec(request.path);
    if (request.method === "GET" && verify)
      return this.verify(decodeURIComponent(verify[1] ?? ""), Number(verify[2]), response);
    sendJson(response, 404, error("60000", "Not found"));
  }

  private createUser(request: RecordedRequest, response: ServerResponse) {
    const email = request.form.get("user[email]");
    const cellphone = request.form.get("user[cellphone]");
    const countryCode = request.form.get("user[country_code]");
    if (!email || !cellphone || !countryCode || !/^\d+$/.test(cellphone) || !/^\d{1,4}$/.test(countryCode)) {
      return sendJson(response, 400, {
        ...error("60027", "User was not valid"),
        errors: { message: "User was not valid", cellphone: "is invalid" },
      });
    }
    const existing = [...this.users.values()].find(
      (user) => user.email === email && user.cellphone === cellphone && user.countryCode === countryCode,
    );
    const user = existing ?? { id: this.nextId + 1, email, cellphone, countryCode, code: null };
    this.nextId = Math.max(this.nextId, user.id);
    this.users.set(user.id, user);
    sendJson(response, 200, { message: "User created successfully.", user: { id: user.id }, success: true });
  }

  private sendToken(channel: "sms" | "call", id: number, request: RecordedRequest, response: ServerResponse) {
    const user = this.users.get(id);
    if (!user) return sendJson(response, 404, error("60026", "User not found"));
    const masked = `+${user.countryCode}-XXX-XXX-XX${user.cellphone.slice(-2)}`;
    const force = request.query.get("force") === "true";
    if (channel === "sms" && !force) {
      return sendJson(response, 200, {
        success: true,
        message: "Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway.",
        cellphone: masked,
        device: "iphone",
        ignored: true,
      });
    }
    user.code = String(1_000_000 + Math.floor(Math.random() * 9_000_000));
    this.sends.push({ userId: id, channel, locale: request.query.get("locale"), force });
    const message = channel === "call" ? "Call started..." : "SMS token was sent";
    sendJson(response, 200, { success: true, message, cellphone: masked });
  }

  private verify(token: string, id: number, response: ServerResponse) {
    const user = this.users.get(id);
    if (!user) return sendJson(response, 404, error("60026", "User not found"));
    if (!/^\d{6,12}$/.test(token)) return sendJson(response, 400, error("60002", "Token format is invalid"));
    if (user.code !== null && token === user.code) {
      return sendJson(response, 200, { message: "Token is valid.", token: "is valid", success: "true" });
    }
    sendJson(response, 401, {
      message: "Token is invalid",
      token: "is invalid",
      success: false,
      errors: { message: "Token is invalid" },
      error_code: "60020",
    });
  }
}
