// Operator authentication on Web Crypto only (no node: imports), so that it runs on Workers as well as Node.
import type { MiddlewareHandler } from "hono";
import { base64url } from "../security/base64.js";
import { equalSecrets } from "../security/constant-time.js";

const encoder = new TextEncoder();

async function hmac(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
  return base64url(mac);
}

export const DISABLED_MESSAGE = "operator access is disabled: ADMIN_TOKEN is not set";

/** `Authorization: Bearer <ADMIN_TOKEN>` on every route it guards; with no ADMIN_TOKEN, every request is refused. */
export function bearerAuth(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken === undefined) return c.json({ error: DISABLED_MESSAGE }, 403);
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await equalSecrets(match[1] ?? "", adminToken))) {
      c.header("WWW-Authenticate", 'Bearer realm="sms-signup operators"');
      return c.json({ error: "a valid `Authorization: Bearer <ADMIN_TOKEN>` header is required" }, 401);
    }
    await next();
  };
}

/**
 * The pages' session: an expiry and its HMAC keyed with ADMIN_TOKEN. The cookie never holds the token, and
 * changing ADMIN_TOKEN signs every session out.
 */
export class Sessions {
  constructor(
    private readonly adminToken: string,
    private readonly ttlMs: number,
  ) {}

  async issue(now: number): Promise<string> {
    const expiry = String(now + this.ttlMs);
    return `${expiry}.${await hmac(this.adminToken, `session:${expiry}`)}`;
  }

  async isValid(session: string | undefined, now: number): Promise<boolean> {
    if (!session) return false;
    const [expiry = "", mac = ""] = session.split(".");
    if (!/^\d+$/.test(expiry) || Number(expiry) <= now) return false;
    return equalSecrets(mac, await hmac(this.adminToken, `session:${expiry}`));
  }

  /** The per-session token each form carries: bound to the session, so another session's forms do not work. */
  csrfToken(session: string): Promise<string> {
    return hmac(this.adminToken, `csrf:${session}`);
  }

  async isValidCsrf(session: string, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return equalSecrets(token, await this.csrfToken(session));
  }
}
