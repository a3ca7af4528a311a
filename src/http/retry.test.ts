import { describe, expect, it } from "vitest";
import { FetchHttpClient } from "../twilio/fetch-http-client.js";
import { callKind } from "../twilio/retry-policy.js";
import { AGAIN, backoffDelay, classifyFetchError, STOP, withRetries } from "./retry.js";

const ACCOUNT = `AC${"a".repeat(32)}`;
const MESSAGES = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
const START = `https://verify.twilio.com/v2/Services/VA${"b".repeat(32)}/Verifications`;
const CHECK = `https://verify.twilio.com/v2/Services/VA${"b".repeat(32)}/VerificationCheck`;

const refused = () =>
  Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });
const reset = () =>
  Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
  });
const timeout = () => new DOMException("The operation was aborted due to timeout", "TimeoutError");
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

type Step = Response | Error | DOMException;

/** A fetch that plays the given answers in order and counts calls. */
function scripted(steps: Step[]) {
  const calls: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const step = steps.shift() ?? json(200, { ok: true });
    if (step instanceof Response) return step;
    throw step;
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function client(steps: Step[]) {
  const script = scripted(steps);
  const http = new FetchHttpClient({
    timeoutMs: 1000,
    deadlineMs: 5000,
    fetch: script.fetch,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  return { http, calls: script.calls };
}

describe("which Twilio calls are repeated", () => {
  it("names the calls", () => {
    expect(callKind("POST", MESSAGES)).toBe("write");
    expect(callKind("POST", START)).toBe("verify-start");
    expect(callKind("POST", CHECK)).toBe("verify-check");
    expect(callKind("GET", `${MESSAGES.replace(".json", "")}/SM1.json`)).toBe("read");
  });

  it("repeats a Messages create that never left (connection refused)", async () => {
    const { http, calls } = client([refused(), json(201, { sid: "SM1" })]);
    const response = await http.request({ method: "POST", uri: MESSAGES, data: { To: "+1" } });
    expect(response.statusCode).toBe(201);
    expect(calls).toHaveLength(2);
  });

  it("never repeats a Messages create that may have reached Twilio (timeout, dropped, 500)", async () => {
    for (const first of [timeout(), reset()]) {
      const { http, calls } = client([first, json(201, { sid: "SM1" })]);
      await expect(http.request({ method: "POST", uri: MESSAGES, data: {} })).rejects.toBe(first);
      expect(calls).toHaveLength(1);
    }
    const { http, calls } = client([json(500, { code: 20500 }), json(201, { sid: "SM1" })]);
    expect((await http.request({ method: "POST", uri: MESSAGES, data: {} })).statusCode).toBe(500);
    expect(calls).toHaveLength(1);
  });

  it("repeats a Messages create refused by the rate limiter (429 20429), not other 4xx", async () => {
    const limited = client([json(429, { code: 20429, message: "Too Many Requests" }), json(201, { sid: "SM1" })]);
    expect((await limited.http.request({ method: "POST", uri: MESSAGES, data: {} })).statusCode).toBe(201);
    expect(limited.calls).toHaveLength(2);
    const optedOut = client([json(400, { code: 21610 }), json(201, { sid: "SM1" })]);
    expect((await optedOut.http.request({ method: "POST", uri: MESSAGES, data: {} })).statusCode).toBe(400);
    expect(optedOut.calls).toHaveLength(1);
  });

  it("repeats a Verify start after a timeout, a 5xx or an unreadable body, but not after 60203", async () => {
    const flaky = client([
      timeout(),
      json(503, { code: 20503 }),
      new Response("<html>", { status: 201 }),
      json(201, { status: "pending" }),
    ]);
    // Three tries in all by default: the third answer (unreadable) is the one returned, the fourth never asked.
    const last = await flaky.http.request({ method: "POST", uri: START, data: {} });
    expect(last).toMatchObject({ statusCode: 201, body: "<html>" });
    expect(flaky.calls).toHaveLength(3);
    const maxSends = client([json(429, { code: 60203, message: "Max send attempts reached" }), json(201, {})]);
    expect((await maxSends.http.request({ method: "POST", uri: START, data: {} })).statusCode).toBe(429);
    expect(maxSends.calls).toHaveLength(1);
  });

  it("repeats a Verify check only when it surely was not processed", async () => {
    const timedOut = client([timeout(), json(200, { status: "approved" })]);
    await expect(timedOut.http.request({ method: "POST", uri: CHECK, data: {} })).rejects.toBeInstanceOf(DOMException);
    expect(timedOut.calls).toHaveLength(1);
    const failed = client([json(500, {}), json(200, { status: "approved" })]);
    expect((await failed.http.request({ method: "POST", uri: CHECK, data: {} })).statusCode).toBe(500);
    const limited = client([json(429, { code: 20429 }), json(200, { status: "approved" })]);
    expect((await limited.http.request({ method: "POST", uri: CHECK, data: {} })).statusCode).toBe(200);
    const tooMany = client([json(429, { code: 60202 }), json(200, { status: "approved" })]);
    expect((await tooMany.http.request({ method: "POST", uri: CHECK, data: {} })).statusCode).toBe(429);
    expect(tooMany.calls).toHaveLength(1);
  });
});

describe("withRetries", () => {
  it("backs off exponentially with equal jitter, capped", () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(10, options, () => 1)).toBe(1000);
  });

  it("stops when the next wait would pass the deadline", async () => {
    let clock = 0;
    const waits: number[] = [];
    const tries: number[] = [];
    const run = withRetries(
      async (_signal, attempt) => {
        tries.push(attempt);
        clock += 400; // each try takes 400 ms of the 1000 ms budget
        throw new Error(`try ${attempt}`);
      },
      () => AGAIN,
      {
        maxAttempts: 10,
        timeoutMs: 500,
        deadlineMs: 1000,
        baseDelayMs: 100,
        maxDelayMs: 100,
        random: () => 1,
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
    );
    await expect(run).rejects.toThrow("try 2");
    expect(tries).toEqual([1, 2]);
    expect(waits).toEqual([100]);
  });

  it("honours a Retry-After longer than the backoff, and returns at once on STOP", async () => {
    const waits: number[] = [];
    let attempts = 0;
    const value = await withRetries(
      async () => (attempts += 1),
      (outcome) => (outcome.ok && outcome.value === 1 ? { retry: true, afterMs: 300 } : STOP),
      {
        maxAttempts: 3,
        timeoutMs: 100,
        deadlineMs: 10_000,
        baseDelayMs: 10,
        maxDelayMs: 10,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(value).toBe(2);
    expect(waits).toEqual([300]);
  });

  it("tells a refused connection from a timeout and a dropped one", () => {
    expect(classifyFetchError(refused())).toBe("not-sent");
    expect(classifyFetchError(timeout())).toBe("timeout");
    expect(classifyFetchError(reset())).toBe("dropped");
  });
});
