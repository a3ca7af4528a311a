// What an attacker (or a careless script) can send to the operator API and pages: out-of-range and malformed input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi, cookieOf, signIn } from "../support/admin.js";
import { RunningService } from "../support/service.js";

let app: RunningService;
beforeAll(async () => {
  app = await RunningService.start({ env: { ADMIN_TOKEN } });
  await app.sms("+14155557001", "SIGNUP");
});
afterAll(() => app.stop());

const b64url = (text: string) => Buffer.from(text).toString("base64url");

describe("operator input outside its range", () => {
  it.each([
    ["/stats?to=8640000000000001", "to"],
    ["/stats?from=99999999999999999999", "from"],
    ["/stats?to=-5", "to"],
    ["/stats?from=%2B275760-09-13T00%3A00%3A00.001Z", "from"],
    ["/conversations?activeAfter=99999999999999999999", "activeAfter"],
    ["/conversations?activeBefore=1e400", "activeBefore"],
    ["/conversations?q=%00", "q"],
    [`/conversations?cursor=${b64url(JSON.stringify([1.5, "x"]))}`, "cursor"],
    [`/conversations?cursor=${b64url(JSON.stringify([1e308, "x"]))}`, "cursor"],
    [`/conversations?cursor=${b64url(JSON.stringify([1, "+1415\u0000"]))}`, "cursor"],
    ["/conversations?limit=1e400", "limit"],
  ])("GET %s is a 400 that names %s", async (path, field) => {
    const response = await adminApi(app, path);
    expect(response.status).toBe(400);
    expect(response.json.error).toContain(field);
  });

  it("the pages take any window or filter without a 500", async () => {
    const cookie = cookieOf(await signIn(app));
    for (const query of [
      "window=constructor",
      "window=__proto__",
      "since=constructor",
      "since=toString",
      "q=%00",
      "cursor=%00",
    ]) {
      const response = await fetch(`${app.url}/admin?${query}`, { headers: { Cookie: cookie } });
      expect(response.status, query).toBe(200);
    }
  });
});
