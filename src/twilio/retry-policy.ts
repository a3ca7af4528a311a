import { AGAIN, type CallFailure, isJson, STOP, type Verdict } from "../http/retry.js";

/**
 * Which Twilio calls may be repeated, and after what. The rule: repeat only what cannot do harm twice.
 *
 * - read: GET/HEAD change nothing; any failure may be retried.
 * - verify-start: starting a Verify verification while one is pending re-sends the *same* code, so a repeat after
 *   a timeout, a dropped connection, a 5xx or an unreadable answer costs at most one of the 5 sends Verify allows
 *   per verification (60203 after that). Worth it: the alternative is telling the person we could not send.
 * - verify-check: a check that reached Verify may have been counted. If it was wrong, a repeat burns a second of
 *   the 5 tries; if it was right, Verify approved and deleted the verification and the repeat answers 404 (20404),
 *   which we would read as "code expired" to a person who typed the right code. So a check is repeated only when it
 *   surely was not processed: it never left (connection refused) or Twilio's rate limiter refused it (429 20429).
 * - write (Messages create, and anything else): a repeat after the request may have reached Twilio could send a
 *   second SMS. Repeated only when it never left or was refused with 429 20429; the outbox retries it later.
 */
export type TwilioCallKind = "read" | "verify-start" | "verify-check" | "write";

export function callKind(method: string, uri: string): TwilioCallKind {
  const verb = method.toUpperCase();
  if (verb === "GET" || verb === "HEAD") return "read";
  const path = new URL(uri).pathname;
  if (verb === "POST" && /^\/v2\/Services\/[^/]+\/Verifications\/?$/.test(path)) return "verify-start";
  if (verb === "POST" && /^\/v2\/Services\/[^/]+\/VerificationCheck\/?$/.test(path)) return "verify-check";
  return "write";
}

export interface AnsweredCall {
  statusCode: number;
  body: string;
  /** Retry-After, when Twilio sent one, in milliseconds. */
  retryAfterMs: number | null;
}

export type CallOutcome = { kind: "answered"; answer: AnsweredCall } | { kind: "failed"; failure: CallFailure };

/** Twilio's error code from an error body ({"code": 20429, ...}), or null. */
export function twilioErrorCode(body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed?.code === "number" ? parsed.code : null;
  } catch {
    return null;
  }
}

/** 429 from Twilio's request rate limiter (20429, or no code at all): refused before anything was done. */
function isRateLimiterRefusal(answer: AnsweredCall): boolean {
  if (answer.statusCode !== 429) return false;
  const code = twilioErrorCode(answer.body);
  return code === null || code === 20429;
}

const again = (answer?: AnsweredCall): Verdict =>
  answer?.retryAfterMs ? { retry: true, afterMs: answer.retryAfterMs } : AGAIN;

export function retryVerdict(kind: TwilioCallKind, outcome: CallOutcome): Verdict {
  if (outcome.kind === "failed") {
    if (outcome.failure === "not-sent") return AGAIN;
    return kind === "read" || kind === "verify-start" ? AGAIN : STOP;
  }
  const { answer } = outcome;
  if (isRateLimiterRefusal(answer)) return again(answer);
  const ok = answer.statusCode >= 200 && answer.statusCode < 300;
  switch (kind) {
    case "read":
      return answer.statusCode >= 500 || (ok && !isJson(answer.body)) ? again(answer) : STOP;
    case "verify-start":
      // Not 429 60203 (max sends): that one stays until the verification expires.
      return answer.statusCode >= 500 || (ok && !isJson(answer.body)) ? again(answer) : STOP;
    default:
      return STOP;
  }
}
