// The vocabulary shared by the machine and whatever implements its effects. Plain data only: it is persisted.
import type { CodeChannel } from "./channels.js";

export interface Limits {
  /** How long a code may be used after it was sent. */
  codeTtlMs: number;
  /** Wrong codes accepted per code before a new one is needed. */
  maxWrongCodes: number;
  /** Minimum time between two sends to one phone. */
  resendCooldownMs: number;
  /** Sends allowed per phone within sendWindowMs. */
  maxSendsPerWindow: number;
  sendWindowMs: number;
  /** Invalid emails before the conversation starts over. */
  maxEmailAttempts: number;
  /** Silence after which an unfinished conversation starts over. */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  codeTtlMs: 10 * 60_000,
  maxWrongCodes: 5,
  resendCooldownMs: 30_000,
  maxSendsPerWindow: 5,
  sendWindowMs: 10 * 60_000,
  maxEmailAttempts: 5,
  idleTimeoutMs: 24 * 60 * 60_000,
};

export type { SignupContext } from "./context.js";

export type SendCodeResult =
  /** `channel`: how the code actually went, when not as asked (a landline gets a call instead of an SMS). */
  | { status: "sent"; ticket?: string | null; providerId?: string | null; channel?: CodeChannel }
  | { status: "rate_limited"; retryAfterMs: number | null }
  | { status: "undeliverable" }
  /** `refusal`: our own send guard said no (SMS pumping defences), not the provider. */
  | { status: "blocked"; refusal?: string }
  | { status: "unavailable" };

export type CheckCodeResult =
  | { status: "approved" }
  | { status: "wrong" }
  | { status: "expired" }
  | { status: "too_many_attempts" }
  | { status: "unavailable" };

export type SendReason = "start" | "resend" | "call";

export interface SendCodeInput {
  phone: string;
  email: string;
  reason: SendReason;
  ticket: string | null;
  providerId: string | null;
}

export interface CheckCodeInput {
  phone: string;
  email: string;
  code: string;
  ticket: string | null;
  providerId: string | null;
}

/** The email step: a code for the address (or, where the address has an account elsewhere, a notice to its owner). */
export interface SendEmailCodeInput {
  phone: string;
  email: string;
  reason: "start" | "resend";
}

/**
 * "queued" whatever the address: a notice to an account's owner goes out instead of a code, and the machine must
 * not answer differently (no account enumeration). `notice` says which, for operators' timeline only.
 */
export type SendEmailCodeResult = { status: "queued"; ticket: string } | { status: "notice"; ticket: string };

export interface CheckEmailCodeInput {
  phone: string;
  email: string;
  code: string;
  ticket: string | null;
}

export interface EmailLookupInput {
  phone: string;
  email: string;
}

export type SignupEvent =
  | { type: "TICK"; now: number }
  | { type: "SIGNUP"; now: number }
  | { type: "RESEND"; now: number }
  /** CALL: the code read out in a phone call. */
  | { type: "CALL"; now: number }
  /** YES to "Did you mean …?" (or any yes: elsewhere it gets the current prompt). */
  | { type: "CONFIRM"; now: number }
  | { type: "TEXT"; body: string; now: number }
  | { type: "RESET"; now: number };

/** What the machine asks its host to do beyond replying; the host applies it in the same transaction as the save. */
export type SignupEffect =
  | { type: "userRegistered"; phone: string; email: string; providerId: string | null }
  /** emailVerified: the email was proven by a code too (EMAIL_VERIFICATION=code). */
  | { type: "verified"; phone: string; email: string; at: number; emailVerified: boolean };
