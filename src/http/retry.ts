// Retries with exponential backoff and jitter inside one overall deadline. Web-standard only (Node and Workers).

export interface RetryOptions {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Each try is aborted after this long. */
  timeoutMs: number;
  /**
   * All tries and the waits between them end within this long of the first try's start. It must stay well inside
   * the engine's turn timeout (12 s), which itself stays inside Twilio's 15 s webhook limit.
   */
  deadlineMs: number;
  /** The first wait; each further one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: Omit<RetryOptions, "timeoutMs" | "deadlineMs"> = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
};

/** The settings every outbound client takes: a timeout per try, a deadline per call, and backoff overrides. */
export interface CallBudget {
  timeoutMs: number;
  /** All tries of one call end within this long (default: the timeout, i.e. no retry after a timeout). */
  deadlineMs?: number | undefined;
  retry?: Partial<Omit<RetryOptions, "timeoutMs" | "deadlineMs">> | undefined;
}

/** The retry options of one call under a budget; a deadline is never shorter than a single try. */
export function retryOptions(budget: CallBudget): RetryOptions {
  return {
    ...DEFAULT_RETRY,
    ...budget.retry,
    timeoutMs: budget.timeoutMs,
    deadlineMs: Math.max(budget.timeoutMs, budget.deadlineMs ?? budget.timeoutMs),
  };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** After a try: stop (return or throw it), or try again, waiting at least `afterMs` (a Retry-After) if given. */
export type Verdict = { retry: false } | { retry: true; afterMs?: number };

export const STOP: Verdict = { retry: false };
export const AGAIN: Verdict = { retry: true };

/** "Equal jitter": between half and all of the doubled delay, so that many clients retrying don't stampede. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs">,
  random: () => number,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The shortest try worth starting: less than this left before the deadline, and we stop instead. */
const MIN_TRY_MS = 50;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` until `decide` says stop, the tries are used up, or the deadline leaves no room for another try.
 * Each try gets its own abort signal: the per-try timeout, shortened to what is left of the deadline.
 * Returns the last try's value or throws its error; callers see one outcome whatever happened before.
 */
export async function withRetries<T>(
  task: (signal: AbortSignal, attempt: number) => Promise<T>,
  decide: (outcome: Outcome<T>, attempt: number) => Verdict,
  options: RetryOptions,
): Promise<T> {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const deadline = now() + options.deadlineMs;
  for (let attempt = 1; ; attempt += 1) {
    const timeout = Math.max(1, Math.min(options.timeoutMs, deadline - now()));
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await task(AbortSignal.timeout(timeout), attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const verdict = decide(outcome, attempt);
    const wait = verdict.retry ? Math.max(backoffDelay(attempt, options, random), verdict.afterMs ?? 0) : 0;
    const giveUp = !verdict.retry || attempt >= options.maxAttempts || now() + wait + MIN_TRY_MS > deadline;
    if (giveUp) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    await sleep(wait);
  }
}

/** How an outbound call failed, in the terms that decide whether repeating it is safe. */
export type CallFailure =
  /** The request never reached the server (connection refused, unknown host): always safe to repeat. */
  | "not-sent"
  /** No answer in time: the server may or may not have acted on it. */
  | "timeout"
  /** The connection broke after the request went out: the server may have acted on it. */
  | "dropped";

const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== "object" || error === null || depth > 3) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === "string" ? [code] : []),
    ...errorCodes(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => errorCodes(inner, depth + 1)) : []),
  ];
}

/** Whether a call ended by its timeout (AbortSignal.timeout's TimeoutError, or an abort). */
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

/** Why a call failed, in words for a log line: "timed out", or what the error says. */
export function failureReason(error: unknown): string {
  if (isTimeout(error)) return "timed out";
  return (error as { message?: string } | null)?.message ?? String(error);
}

/** Classifies what fetch threw. */
export function classifyFetchError(error: unknown): CallFailure {
  if (isTimeout(error)) return "timeout";
  if (errorCodes(error).some((code) => NOT_SENT_CODES.has(code))) return "not-sent";
  return "dropped";
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
