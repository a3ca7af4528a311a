import type { CheckCodeInput, CheckCodeResult, SendCodeResult } from "../../machines/types.js";
import { splitPhone } from "../conversation/phone.js";
import type { SendCodeRequest, VerificationProvider } from "../conversation/ports.js";
import { defaultFetch } from "../http/default-fetch.js";
import { AGAIN, type CallBudget, isJson, retryOptions, STOP, withRetries } from "../http/retry.js";

/** The budget's deadline covers one sendCode or checkCode, all its calls and retries included. */
export interface AuthyProviderOptions extends CallBudget {
  apiKey: string;
  /** https://api.authy.com, or a fake in tests. */
  baseUrl: string;
  /**
   * Authy has no WhatsApp: a WhatsApp conversation gets a code of our own through the Messages API (the local
   * provider), checked by its hash; an Authy token is checked by Authy.
   */
  whatsapp: VerificationProvider;
  fetch?: typeof fetch;
}

interface AuthyBody {
  success?: boolean | string;
  message?: string;
  error_code?: string | number;
  ignored?: boolean;
  token?: string;
  user?: { id?: number | string };
}

type AuthyAnswer = { ok: true; status: number; body: AuthyBody } | { ok: false; reason: string };

// Authy's own token check accepts 6 to 12 digits and answers "Token format is invalid" otherwise.
const AUTHY_TOKEN = /^\d{6,12}$/;

/**
 * The legacy Authy API of the tutorial (closed to new customers; Verify is its successor): register the person
 * (users/new), force an SMS (sms/{id}?force=true), check the token (verify/{token}/{id}).
 */
export class AuthyVerificationProvider implements VerificationProvider {
  readonly name = "authy" as const;
  // WhatsApp codes are checked here (see `whatsapp`), SMS and call codes at Authy: a turn cannot tell before.
  readonly checksRemotely = true;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: AuthyProviderOptions) {
    this.fetch = options.fetch ?? defaultFetch;
  }

  /** When the operation starting now must be over: registering and sending share one budget. */
  private deadline(): number {
    return Date.now() + retryOptions(this.options).deadlineMs;
  }

  async sendCode(input: SendCodeRequest): Promise<SendCodeResult> {
    if (input.channel === "whatsapp") return this.options.whatsapp.sendCode(input);
    const until = this.deadline();
    let authyId = input.providerId;
    if (!authyId) {
      const { countryCode, nationalNumber } = splitPhone(input.phone);
      const form = new URLSearchParams({
        "user[email]": input.email,
        "user[cellphone]": nationalNumber,
        "user[country_code]": countryCode,
      });
      const created = await this.call("POST", "/protected/json/users/new", until, form);
      if (!created.ok) return { status: "unavailable" };
      const id = created.body.user?.id;
      if (created.status !== 200 || id === undefined || id === null) return sendError(created.status, created.body);
      authyId = String(id);
    }
    // Registering sends nothing; the id is written down before the SMS (or call) that carries the token.
    await input.beforeSend?.({
      providerId: authyId,
      ...(input.channel === "call" ? { channel: "call" as const } : {}),
    });
    // force=true: without it Authy skips the SMS for people who have its app, and answers "ignored". A call
    // (/call/{id}) reads the token out in the person's language.
    const path =
      input.channel === "call"
        ? `/protected/json/call/${encodeURIComponent(authyId)}?force=true&locale=${input.language}`
        : `/protected/json/sms/${encodeURIComponent(authyId)}?force=true&locale=${input.language}`;
    const sms = await this.call("GET", path, until);
    if (!sms.ok) return { status: "unavailable" };
    if (sms.status !== 200 || !isTrue(sms.body.success) || sms.body.ignored === true)
      return sendError(sms.status, sms.body);
    return { status: "sent", providerId: authyId, ticket: null };
  }

  async checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    if (input.ticket?.startsWith("sha256:")) return this.options.whatsapp.checkCode(input);
    if (!input.providerId) return { status: "expired" };
    if (!AUTHY_TOKEN.test(input.code)) return { status: "wrong" };
    const answer = await this.call(
      "GET",
      `/protected/json/verify/${encodeURIComponent(input.code)}/${encodeURIComponent(input.providerId)}`,
      this.deadline(),
    );
    if (!answer.ok) return { status: "unavailable" };
    if (answer.status === 200 && answer.body.token === "is valid") return { status: "approved" };
    const code = String(answer.body.error_code ?? "");
    if (code === "60020" || code === "60019" || answer.status === 401) return { status: "wrong" };
    if (answer.status === 429 || code === "60003") return { status: "too_many_attempts" };
    if (code === "60026" || code === "60016" || answer.status === 404) return { status: "expired" };
    return { status: "unavailable" };
  }

  /**
   * Every Authy call is safe to repeat, so each is retried after a failure to connect, a timeout, a dropped
   * connection, a 5xx or a body that is not JSON: the token check and the SMS request are GETs (a repeated SMS
   * request re-sends the current token), and users/new answers with the existing user for the same email and phone.
   * Authy's 4xx (and its 429, "too many attempts") are answers, not failures, and are not repeated.
   */
  private async call(
    method: "GET" | "POST",
    path: string,
    until: number,
    form?: URLSearchParams,
  ): Promise<AuthyAnswer> {
    try {
      const { status, text } = await withRetries(
        async (signal) => {
          const response = await this.fetch(`${this.options.baseUrl}${path}`, {
            method,
            headers: {
              "X-Authy-API-Key": this.options.apiKey,
              Accept: "application/json",
              ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
            },
            body: form?.toString(),
            signal,
          });
          return { status: response.status, text: await response.text() };
        },
        (outcome) => (!outcome.ok || outcome.value.status >= 500 || !isJson(outcome.value.text) ? AGAIN : STOP),
        { ...retryOptions(this.options), deadlineMs: Math.max(1, until - Date.now()) },
      );
      const body = JSON.parse(text) as unknown;
      if (typeof body !== "object" || body === null) return { ok: false, reason: "body is not a JSON object" };
      return { ok: true, status, body: body as AuthyBody };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** Real responses carry success as the string "true"; fakes and docs use a boolean. */
const isTrue = (value: unknown) => value === true || value === "true";

function sendError(status: number, body: AuthyBody): SendCodeResult {
  const code = String(body.error_code ?? "");
  if (status === 429 || code === "60003" || code === "60009" || code === "60010")
    return { status: "rate_limited", retryAfterMs: null };
  if (code === "60033" || code === "60082" || code === "60027") return { status: "undeliverable" };
  return { status: "unavailable" };
}
