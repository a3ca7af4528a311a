// The twilio SDK's documented extension point (ClientOpts.httpClient), on fetch: it runs on Node and on Workers,
// gives every call a timeout, retries what is safe to repeat (retry-policy.ts) inside one deadline, and sends every
// request to TWILIO_API_BASE_URL when one is set (mocks, fakes).

import { type HttpFetch, runtimeFetch } from "../http/http-fetch.js";
import { type CallBudget, classifyFetchError, retryAfterMs, retryOptions, withRetries } from "../http/retry.js";
import { type CallOutcome, callKind, retryVerdict } from "./retry-policy.js";

export interface TwilioRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}

export interface TwilioResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

/** Timeout per try, deadline per call and backoff (tests make the waits short or the jitter fixed). */
export interface FetchHttpClientOptions extends CallBudget {
  /** Replaces scheme and host of every request (api.twilio.com, verify.twilio.com); the path is kept. */
  baseUrl?: string | undefined;
  /** The runtime's fetch by default; on Node the composition root gives node:http's (src/http/node-http-fetch.ts). */
  fetch?: HttpFetch | undefined;
}

/** Form encoding as the SDK's own client does it: arrays repeat their key (arrayFormat: "repeat"). */
export function formEncode(data: Record<string, unknown> | undefined): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(data ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
  }
  return form;
}

export class FetchHttpClient {
  private readonly fetch: HttpFetch;

  constructor(private readonly options: FetchHttpClientOptions) {
    this.fetch = options.fetch ?? runtimeFetch;
  }

  rewrite(uri: string): string {
    if (!this.options.baseUrl) return uri;
    const original = new URL(uri);
    return `${this.options.baseUrl}${original.pathname}${original.search}`;
  }

  async request(opts: TwilioRequest): Promise<TwilioResponse> {
    const url = new URL(this.rewrite(opts.uri));
    for (const [key, value] of formEncode(opts.params)) url.searchParams.append(key, value);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      // The connection is the HTTP client's to manage (kept alive), whatever the SDK asks.
      if (name.toLowerCase() !== "connection") headers[name] = value;
    }
    if (opts.username && opts.password) headers.Authorization = `Basic ${btoa(`${opts.username}:${opts.password}`)}`;
    const method = opts.method.toUpperCase();
    const hasBody = opts.data !== undefined && !["GET", "HEAD"].includes(method);
    const body = hasBody ? formEncode(opts.data).toString() : undefined;
    const kind = callKind(method, opts.uri);
    return withRetries(
      async (signal) => {
        const response = await this.fetch(url, { method, headers, body, signal });
        const text = await response.text();
        return { statusCode: response.status, body: text, headers: Object.fromEntries(response.headers) };
      },
      (outcome) => {
        const call: CallOutcome = outcome.ok
          ? {
              kind: "answered",
              answer: {
                statusCode: outcome.value.statusCode,
                body: outcome.value.body,
                retryAfterMs: retryAfterMs(outcome.value.headers["retry-after"]),
              },
            }
          : { kind: "failed", failure: classifyFetchError(outcome.error) };
        return retryVerdict(kind, call);
      },
      retryOptions(this.options),
    );
  }
}
