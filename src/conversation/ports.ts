// What the conversation needs from the outside world. Adapters implement these; the composition root picks them.
import type {
  CheckCodeInput,
  CheckCodeResult,
  SendCodeInput,
  SendCodeResult,
  SignupEffect,
} from "../../machines/types.js";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface VerificationProvider {
  readonly name: "local" | "verify" | "authy";
  sendCode(input: SendCodeInput): Promise<SendCodeResult>;
  checkCode(input: CheckCodeInput): Promise<CheckCodeResult>;
}

export interface OutboundSms {
  to: string;
  body: string;
  /** What the transcript shows instead of `body` when the body holds a secret (a one-time code). */
  transcriptBody?: string;
}

export interface SentSms {
  sid: string;
  status: string;
}

/** A send that failed; `code` is Twilio's error code when Twilio gave one (21610: the person opted out). */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "SmsSendError";
  }
}

export interface SmsSender {
  send(sms: OutboundSms): Promise<SentSms>;
}

export interface ConversationRecord {
  phone: string;
  state: string;
  snapshot: unknown;
  machineVersion: number;
  rowVersion: number;
  optedOut: boolean;
}

/** The outcome of claiming a MessageSid: first delivery, or a repeat with the reply the first one got. */
export type MessageClaim = { kind: "claimed" } | { kind: "duplicate"; replies: string[] | null };

export interface TransitionRecord {
  from: string;
  event: string;
  to: string;
  at: number;
}

/** Everything one inbound message changed, written in one transaction. */
export interface Turn {
  phone: string;
  /** Null for a turn no message caused (an operator's reset). */
  messageSid: string | null;
  expectedRowVersion: number;
  state: string;
  snapshot: unknown;
  machineVersion: number;
  optedOut: boolean;
  at: number;
  inboundBody: string | null;
  replies: string[];
  transitions: TransitionRecord[];
  effects: SignupEffect[];
  /** Messages to send through the Messages API after the commit (the success SMS). */
  outbox: string[];
}

export class StaleConversationError extends Error {
  constructor(phone: string) {
    super(`conversation ${phone} changed under us`);
    this.name = "StaleConversationError";
  }
}

export interface ConversationStore {
  /** Takes the per-phone lease that serializes turns across processes; creates the conversation row if absent. */
  acquireLease(phone: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  releaseLease(phone: string, owner: string): Promise<void>;
  /** An insert that fails on a repeat; a claim left by a crashed process is taken over after `staleAfterMs`. */
  claimMessage(messageSid: string, phone: string, now: number, staleAfterMs: number): Promise<MessageClaim>;
  releaseMessage(messageSid: string): Promise<void>;
  load(phone: string): Promise<ConversationRecord | null>;
  /** Writes the turn if the row version still matches; throws StaleConversationError otherwise. */
  saveTurn(turn: Turn): Promise<void>;
  isEmailTaken(email: string, exceptPhone: string): Promise<boolean>;
  /** The transcript line of an SMS sent outside a turn's reply (a code SMS through the Messages API). */
  recordSent(phone: string, body: string, sent: SentSms, at: number): Promise<void>;
  /** Removes everything kept about the phone and records that an erasure happened; one transaction. */
  erase(phone: string, operator: string, at: number): Promise<ErasureCounts>;
}

/** Rows an erasure removed, per table. */
export interface ErasureCounts {
  conversations: number;
  messages: number;
  transitions: number;
  users: number;
  webhookClaims: number;
}

export interface OutboxMessage {
  id: number;
  phone: string;
  body: string;
  attempts: number;
}

export interface OutboxStore {
  /** Leases due messages so that one sender at a time owns each. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  markSent(id: number, sent: SentSms, now: number): Promise<void>;
  markRetry(id: number, error: string, errorCode: number | null, nextAttemptAt: number, now: number): Promise<void>;
  markFailed(
    id: number,
    status: "failed" | "suppressed",
    error: string,
    errorCode: number | null,
    now: number,
  ): Promise<void>;
  isOptedOut(phone: string): Promise<boolean>;
  setOptedOut(phone: string, optedOut: boolean, now: number): Promise<void>;
  nextDueAt(): Promise<number | null>;
}
