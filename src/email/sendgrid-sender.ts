// SendGrid's v3 Mail Send API through fetch, so that it runs on Node and on Workers alike.
import { defaultFetch } from "../http/default-fetch.js";
import { classifyFetchError } from "../http/retry.js";
import { EmailSendError, type EmailSender, type OutboundEmail, type SentEmail } from "./ports.js";

export const SENDGRID_API_URL = "https://api.sendgrid.com";

export interface SendGridSenderOptions {
  apiKey: string;
  from: string;
  /** https://api.sendgrid.com; tests point it at a fake. */
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** "Ana <ana@example.com>" or "ana@example.com" as SendGrid's {email, name}. */
export function parseAddress(address: string): { email: string; name?: string } {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(address);
  if (!match) return { email: address.trim() };
  const name = (match[1] ?? "").replace(/^"|"$/g, "");
  return name ? { email: match[2] ?? "", name } : { email: match[2] ?? "" };
}

export class SendGridEmailSender implements EmailSender {
  readonly name = "sendgrid" as const;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SendGridSenderOptions) {
    this.fetch = options.fetch ?? defaultFetch;
  }

  async send(email: OutboundEmail): Promise<SentEmail> {
    const body = {
      personalizations: [{ to: [{ email: email.to }] }],
      from: parseAddress(this.options.from),
      subject: email.subject,
      content: [
        { type: "text/plain", value: email.text },
        { type: "text/html", value: email.html },
      ],
      headers: { "Content-Language": email.language },
      // Tracking would rewrite the email with links and a pixel: the email promises nothing to click.
      tracking_settings: { click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: false } },
    };
    let response: Response;
    try {
      response = await this.fetch(`${this.options.baseUrl}/v3/mail/send`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.options.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // Sent twice at worst: the same email with the same code, which the outbox prefers to none.
      throw new EmailSendError(`SendGrid did not answer (${classifyFetchError(error)})`, true);
    }
    const text = await response.text();
    if (response.status === 202 || response.status === 200) {
      return { id: response.headers.get("x-message-id") ?? "sendgrid" };
    }
    const retryable = response.status === 429 || response.status >= 500;
    throw new EmailSendError(`SendGrid ${response.status}: ${errorMessages(text)}`, retryable);
  }
}

/** SendGrid's error body: {"errors":[{"message","field","help"}]}. */
function errorMessages(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: { message?: string; field?: string | null }[] };
    const messages = (parsed.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : (e.message ?? "")));
    if (messages.length > 0) return messages.join("; ");
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200) || "no body";
}
