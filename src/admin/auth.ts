// Operator authentication on Web Crypto only (no node: imports), so that it runs on Workers as well as Node.
import type { MiddlewareHandler } from "hono";
import { clientAddress } from "../http/client-address.js";
import { base64url } from "../security/base64.js";
import { equalSecrets } from "../security/constant-time.js";
import type { AttemptLimiter } from "./attempt-limiter.js";

const encoder = new TextEncoder();

async function hmac(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message))));
}

export const DISABLED_MESSAGE = "operator access is disabled: ADMIN_TOKEN is not set";

/** `Authorization: Bearer <ADMIN_TOKEN>` on every route it guards; with no ADMIN_TOKEN, every request is refused. */
export function bearerAuth(adminToken: string | undefined, limiter: AttemptLimiter): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken === undefined) return c.json({ error: DISABLED_MESSAGE }, 403);
    const client = clientAddress(c);
    const waitMs = limiter.waitMs(client);
    if (waitMs > 0) {
      c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
      return c.json({ error: "too many wrong tokens from this address; try again later" }, 429);
    }
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await equalSecrets(match[1] ?? "", adminToken))) {
      if (match) limiter.failed(client); // a request with no token at all guesses nothing
      c.header("WWW-Authenticate", 'Bearer realm="sms-signup operators"');
      return c.json({ error: "a valid `Authorization: Bearer <ADMIN_TOKEN>` header is required" }, 401);
    }
    await next();
  };
}

/** Where sessions live, so that one can end before it expires. Ids are HMACs of the cookie's secret. */
export interface OperatorSessionStore {
  create(id: string, expiresAt: number, now: number): Promise<void>;
  isActive(id: string, now: number): Promise<boolean>;
  end(id: string): Promise<void>;
  /** Every session of every operator; how many there were. */
  endAll(): Promise<number>;
}

const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * The pages' session: a random secret in the cookie, its HMAC (keyed with ADMIN_TOKEN) in the store. The cookie never
 * holds the token; signing out deletes the row, so a copied cookie stops working too; changing ADMIN_TOKEN signs
 * every session out.
 */
export class Sessions {
  constructor(
    private readonly adminToken: string,
    private readonly ttlMs: number,
    private readonly store: OperatorSessionStore,
  ) {}

  async issue(now: number): Promise<string> {
    const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
    await this.store.create(await this.idOf(secret), now + this.ttlMs, now);
    return secret;
  }

  async isValid(session: string | undefined, now: number): Promise<boolean> {
    if (!session || !SESSION_SECRET.test(session)) return false;
    return this.store.isActive(await this.idOf(session), now);
  }

  async end(session: string): Promise<void> {
    await this.store.end(await this.idOf(session));
  }

  endAll(): Promise<number> {
    return this.store.endAll();
  }

  /** The per-session token each form carries: bound to the session, so another session's forms do not work. */
  csrfToken(session: string): Promise<string> {
    return hmac(this.adminToken, `csrf:${session}`);
  }

  async isValidCsrf(session: string, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return equalSecrets(token, await this.csrfToken(session));
  }

  private idOf(secret: string): Promise<string> {
    return hmac(this.adminToken, `session:${secret}`);
  }
}
