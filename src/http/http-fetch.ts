/** What an outbound REST call needs of fetch, and no more: the runtime's fetch is one, Node's node:http another. */
export type HttpFetch = (url: URL, init: HttpFetchInit) => Promise<HttpFetchResponse>;

export interface HttpFetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpFetchResponse {
  status: number;
  headers: Iterable<[string, string]>;
  text(): Promise<string>;
}

/**
 * The runtime's fetch, looked up at each call rather than captured once (a test may replace globalThis.fetch after
 * a client was built; on Workers fetch must be called unbound from its global). Redirects are not followed: Twilio's
 * APIs answer where they are asked.
 */
export const runtimeFetch: HttpFetch = (url, init) => globalThis.fetch(url, { ...init, redirect: "manual" });
