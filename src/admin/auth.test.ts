import { describe, expect, it } from "vitest";
import { Sessions } from "./auth.js";

const TOKEN = "operator-token-0123456789abcdef";

describe("Sessions", () => {
  const sessions = new Sessions(TOKEN, 60_000);
  const now = 1_800_000_000_000;

  it("accepts its own session until it expires, and never holds the token", async () => {
    const session = await sessions.issue(now);
    expect(session).not.toContain(TOKEN);
    expect(await sessions.isValid(session, now + 59_999)).toBe(true);
    expect(await sessions.isValid(session, now + 60_000)).toBe(false);
  });

  it("refuses a session with a stretched expiry, a foreign key or garbage", async () => {
    const session = await sessions.issue(now);
    const [, mac] = session.split(".");
    expect(await sessions.isValid(`${now + 10 * 60_000}.${mac}`, now)).toBe(false);
    expect(await new Sessions(`${TOKEN}-rotated`, 60_000).isValid(session, now)).toBe(false);
    for (const garbage of [undefined, "", ".", "abc.def", `${now + 1000}`])
      expect(await sessions.isValid(garbage, now)).toBe(false);
  });

  it("binds the form token to the session", async () => {
    const a = await sessions.issue(now);
    const b = await sessions.issue(now + 1);
    expect(await sessions.isValidCsrf(a, await sessions.csrfToken(a))).toBe(true);
    expect(await sessions.isValidCsrf(a, await sessions.csrfToken(b))).toBe(false);
    expect(await sessions.isValidCsrf(a, undefined)).toBe(false);
  });
});
