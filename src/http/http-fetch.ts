import { defaultFetch } from "./default-fetch.js";

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

/** The runtime's fetch (defaultFetch); redirects are not followed: Twilio's APIs answer where they are asked. */
export const runtimeFetch: HttpFetch = (url, init) => defaultFetch(url, { ...init, redirect: "manual" });
