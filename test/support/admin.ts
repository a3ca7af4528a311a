import type { RunningService } from "./service.js";

export const ADMIN_TOKEN = "operator-token-0123456789abcdef";

/** A call to the operator API, with the right token unless told otherwise. */
export async function adminApi(app: { url: string }, path: string, init: RequestInit & { token?: string | null } = {}) {
  const { token = ADMIN_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(`${app.url}/admin/api${path}`, { ...rest, headers });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered and assert on it
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/** The code the local provider "sent" to a phone, read from the log where local mode writes every SMS. */
export function lastLocalCode(app: RunningService, phone: string): string {
  for (const entry of [...app.logger.entries].reverse()) {
    const sms = (entry.fields as { sms?: { to: string; body: string } }).sms;
    const code = sms && sms.to === phone ? /\b(\d{6})\b/.exec(sms.body)?.[1] : undefined;
    if (code) return code;
  }
  throw new Error(`no code was sent to ${phone}`);
}

/** SIGNUP, an email, the code: a whole sign-up through the real webhook. A clock, if given, moves 1 s per message. */
export async function signUp(
  app: RunningService,
  phone: string,
  email: string,
  options: { clock?: { advance(ms: number): void }; beforeCode?: () => void } = {},
): Promise<string> {
  await app.sms(phone, "SIGNUP");
  options.clock?.advance(1_000);
  await app.sms(phone, email);
  options.clock?.advance(1_000);
  const code = lastLocalCode(app, phone);
  options.beforeCode?.();
  await app.sms(phone, code);
  return code;
}

export const enc = (phone: string) => encodeURIComponent(phone);

/** Signs in through the login form, as a browser would, and returns the session cookie. */
export async function signIn(target: RunningService, token = ADMIN_TOKEN): Promise<Response> {
  return fetch(`${target.url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: target.url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
}

/** The `name=value` of the cookie a response set, for the next request's Cookie header. */
export const cookieOf = (response: Response) => (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

/** An operator's session on the pages, signed in by form as a browser would: the cookie, and the form token. */
export async function signInPages(app: RunningService): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${app.url}/admin/login`, {
    method: "POST",
    headers: { origin: app.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
    redirect: "manual",
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await (await fetch(`${app.url}/admin`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf };
}
