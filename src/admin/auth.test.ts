import { describe, expect, it } from "vitest";
import { type OperatorSessionStore, Sessions } from "./auth.js";

/** Sessions kept in memory: the store's contract, without a database. */
class MemorySessionStore implements OperatorSessionStore {
  readonly rows = new Map<string, number>();
  create = async (id: string, expiresAt: number) => void this.rows.set(id, expiresAt);
  isActive = async (id: string, now: number) => (this.rows.get(id) ?? 0) > now;
  end = async (id: string) => void this.rows.delete(id);
  endAll = async () => {
    const n = this.rows.size;
    this.rows.clear();
    return n;
  };
}

const TOKEN = "operator-token-0123456789abcdef";

describe("Sessions", () => {
  const store = new MemorySessionStore();
  const sessions = new Sessions(TOKEN, 60_000, store);
  const now = 1_800_000_000_000;

  it("accepts its own session until it expires, and never holds the token", async () => {
    const session = await sessions.issue(now);
    expect(session).not.toContain(TOKEN);
    expect(await sessions.isValid(session, now + 59_999)).toBe(true);
    expect(await sessions.isValid(session, now + 60_000)).toBe(false);
  });

  it("refuses an ended session, a foreign key or garbage, and keeps only an HMAC of the secret", async () => {
    const session = await sessions.issue(now);
    expect([...store.rows.keys()].join()).not.toContain(session);
    expect(await new Sessions(`${TOKEN}-rotated`, 60_000, store).isValid(session, now)).toBe(false);
    for (const garbage of [undefined, "", ".", "abc.def", `${now + 1000}`, `${session}x`])
      expect(await sessions.isValid(garbage, now)).toBe(false);
    await sessions.end(session);
    expect(await sessions.isValid(session, now)).toBe(false);
    const [a, b] = [await sessions.issue(now), await sessions.issue(now)];
    expect(await sessions.endAll()).toBeGreaterThanOrEqual(2);
    expect([await sessions.isValid(a, now), await sessions.isValid(b, now)]).toEqual([false, false]);
  });

  it("binds the form token to the session", async () => {
    const a = await sessions.issue(now);
    const b = await sessions.issue(now + 1);
    expect(await sessions.isValidCsrf(a, await sessions.csrfToken(a))).toBe(true);
    expect(await sessions.isValidCsrf(a, await sessions.csrfToken(b))).toBe(false);
    expect(await sessions.isValidCsrf(a, undefined)).toBe(false);
  });
});
