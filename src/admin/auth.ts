// Operator authentication on Web Crypto only (no node: imports), so that it runs on Workers as well as Node.
import type { MiddlewareHandler } from "hono";
import { constantTimeEqual } from "../security/constant-time.js";

const encoder = new TextEncoder();

/**
 * Equal or not, in time that does not depend on where they differ: both sides are hashed first, so even the
 * length of the token is not revealed by how long a wrong guess takes.
 */
export async function constantTimeEquals(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  return constantTimeEqual(x, y);
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

async function hmac(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
  return btoa(String.fromCharCode(...mac))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export const DISABLED_MESSAGE = "operator access is disabled: ADMIN_TOKEN is not set";

/** `Authorization: Bearer <ADMIN_TOKEN>` on every route it guards; with no ADMIN_TOKEN, every request is refused. */
export function bearerAuth(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken === undefined) return c.json({ error: DISABLED_MESSAGE }, 403);
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await constantTimeEquals(match[1] ?? "", adminToken))) {
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
    return constantTimeEquals(mac, await hmac(this.adminToken, `session:${expiry}`));
  }

  /** The per-session token each form carries: bound to the session, so another session's forms do not work. */
  csrfToken(session: string): Promise<string> {
    return hmac(this.adminToken, `csrf:${session}`);
  }

  async isValidCsrf(session: string, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return constantTimeEquals(token, await this.csrfToken(session));
  }
}
