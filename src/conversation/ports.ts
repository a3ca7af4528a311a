// What the conversation needs from the outside world. Adapters implement these; the composition root picks them.

import type { Channel, CodeChannel, Medium } from "../../machines/channels.js";
import type { RestingState, StateName } from "../../machines/signup.js";
import type {
  CheckCodeInput,
  CheckCodeResult,
  SendCodeInput,
  SendCodeResult,
  SignupEffect,
} from "../../machines/types.js";
import type { OutboundEmail } from "../email/ports.js";
import type { Language } from "../i18n/languages.js";

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

/** How a code goes out: in the person's language, on the channel of the conversation (or by a call). */
export interface Delivery {
  language: Language;
  channel: CodeChannel;
}

/**
 * What a provider writes down right before a code leaves (never the code itself): what the next check needs. A turn
 * that dies after this point is known to have sent a code; the next turn takes the code as sent from this note
 * instead of sending another one.
 */
export interface SendNote {
  /** The local provider's salted hash of the code. */
  ticket?: string | null;
  /** Authy's id for the person. */
  providerId?: string | null;
  /** How the code went when not as asked (a landline's call). */
  channel?: CodeChannel;
}

/** A send as the engine asks for it: `beforeSend` must be awaited right before the code goes out. */
export type SendCodeRequest = SendCodeInput & Delivery & { beforeSend?: (note: SendNote) => Promise<void> };

export interface VerificationProvider {
  readonly name: "local" | "verify" | "authy";
  /**
   * Whether checking a code calls out (Verify, Authy). Then the turn commits before the check, so that it holds no
   * transaction while it waits; a check made here (local codes) runs inside the turn's one unit of work.
   */
  readonly checksRemotely: boolean;
  sendCode(input: SendCodeRequest): Promise<SendCodeResult>;
  checkCode(input: CheckCodeInput): Promise<CheckCodeResult>;
}

export interface OutboundSms {
  to: string;
  body: string;
  /** WhatsApp goes from TWILIO_WHATSAPP_NUMBER to `whatsapp:+…`; absent: SMS. */
  channel?: Channel;
  /** What the transcript shows instead of `body` when the body holds a secret (a one-time code). */
  transcriptBody?: string;
}

/** A Messages API status (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values). */
export type DeliveryStatus =
  | "accepted"
  | "scheduled"
  | "queued"
  | "sending"
  | "sent"
  | "delivered"
  | "undelivered"
  | "failed"
  | "canceled"
  | "partially_delivered"
  | "read";

/** A Calls API status, for a code read out by a call. */
export type CallStatus =
  | "queued"
  | "ringing"
  | "in-progress"
  | "completed"
  | "busy"
  | "failed"
  | "no-answer"
  | "canceled";

export interface SentSms {
  sid: string;
  status: DeliveryStatus | CallStatus;
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
  /**
   * An SMS with this body to this phone, created since `since` (ms), if the provider has one: whether a sender that
   * died mid-send got it out. Absent where nobody can tell (local mode's log).
   */
  findSent?(sms: OutboundSms, since: number): Promise<SentSms | null>;
}

/** A phone call that reads a text out, in a language (BCP 47, for the text-to-speech voice). */
export interface OutboundCall {
  to: string;
  say: string;
  language: Language;
  /** What the transcript shows instead of `say` (the code masked). */
  transcriptText: string;
}

export interface VoiceCaller {
  call(call: OutboundCall): Promise<SentSms>;
}

/** What Twilio Lookup knows of a number's line; "unknown" when it could not tell (or was not asked). */
export type LineType = "mobile" | "landline" | "voip" | "unknown";

export interface LineTypeLookup {
  lineType(phone: string): Promise<LineType>;
}

export interface ConversationRecord {
  phone: string;
  state: RestingState;
  snapshot: unknown;
  machineVersion: number;
  rowVersion: number;
  optedOut: boolean;
  /** A provider call a turn committed to make and never saved the outcome of (its process died). */
  pendingCall: PendingCall | null;
  /** Chosen by the person; null: their phone's country decides. */
  language: Language | null;
  /** The channel they last wrote on. */
  channel: Channel;
}

/** Written in the commit before a provider call, cleared by the commit after it. */
export interface PendingCall {
  /** The machine's actor that calls out: "sendCode" (a code may have reached the phone) or "checkCode". */
  call: string;
  messageSid: string | null;
  at: number;
  /** sendCode: the provider's note, written once it was about to send (absent: no code left). */
  sent?: SendNote;
  /** sendCode: the machine at the call, from which the next turn finishes the send with the note instead. */
  snapshot?: unknown;
}

/** How a MessageSid was left: answered (with the replies it got), or taken by a turn that never finished. */
export type StoredClaim = { status: "done"; replies: string[] } | { status: "processing" };

export interface TransitionRecord {
  from: StateName;
  event: string;
  to: StateName;
  at: number;
}

/** Everything one inbound message changed, written in one transaction. */
export interface Turn {
  phone: string;
  /** Null for a turn no message caused (an operator's reset). */
  messageSid: string | null;
  /** Null when the phone had no conversation yet: the save creates it. */
  expectedRowVersion: number | null;
  state: RestingState;
  snapshot: unknown;
  machineVersion: number;
  optedOut: boolean;
  language: Language | null;
  /** The channel of the message that caused the turn: its replies and outbox messages go on it too. */
  channel: Channel;
  at: number;
  inboundBody: string | null;
  replies: string[];
  /** SMS a provider sent during the turn (the code SMS), for the transcript; bodies already masked. */
  sent: SentRecord[];
  transitions: TransitionRecord[];
  effects: SignupEffect[];
  /** Messages to send through the Messages API after the commit (the success SMS). */
  outbox: string[];
  /** The provider call left recorded after the commit: none, or a dead turn's send no machine run finished yet. */
  pendingCall?: PendingCall | null;
  /** Emails the turn owes (the email step), written to the email outbox in the same commit. */
  emails?: QueuedEmail[];
}

/** An email a turn queued; `ref` ties its outbox row to its (masked) line in the transcript. */
export interface QueuedEmail extends OutboundEmail {
  ref: string;
}

export interface SentRecord {
  body: string;
  sent: SentSms;
  at: number;
  medium: Medium;
}

export class StaleConversationError extends Error {
  constructor(phone: string) {
    super(`conversation ${phone} changed under us`);
    this.name = "StaleConversationError";
  }
}

/**
 * The reads and writes of one unit of work on one phone. Reads see everything committed before; the writes commit
 * together or not at all (a Kysely transaction on SQLite and PostgreSQL, a D1 batch on Workers). The caller holds
 * the phone (PhoneSerializer), so nothing else changes this phone's rows meanwhile.
 */
export interface ConversationUnitOfWork {
  findClaim(messageSid: string): Promise<StoredClaim | null>;
  load(phone: string): Promise<ConversationRecord | null>;
  isEmailTaken(email: string, exceptPhone: string): Promise<boolean>;
  /**
   * Records, in this unit's commit, that the message is being handled and that a provider call is about to go out;
   * the phone stays held past the commit until the unit that saves the turn commits.
   */
  beginCall(phone: string, claim: PendingCall, now: number): Promise<void>;
  /** Writes the turn, completes its MessageSid claim and clears a pending call; StaleConversationError if the row
   * version moved. */
  saveTurn(turn: Turn): Promise<void>;
}

export interface ConversationStore {
  /** Runs `work` as one unit of work on `phone` (see ConversationUnitOfWork). */
  unitOfWork<T>(phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T>;
  /**
   * A message answered without a turn (the phone's backlog is full): its inbound line and reply go to the transcript
   * and its MessageSid is answered, nothing else changes. A MessageSid seen before gets what it got then.
   */
  recordRefused(refusal: Refusal): Promise<string[]>;
  /** Removes everything kept about the phone and records that an erasure happened; one transaction. */
  erase(phone: string, operator: string, at: number): Promise<ErasureCounts>;
}

export interface Refusal {
  phone: string;
  messageSid: string;
  inboundBody: string;
  reply: string;
  at: number;
}

/**
 * One turn of a phone at a time, in arrival order, everywhere the phone's turns can run: a lock in this process
 * (one process owns a SQLite file), a PostgreSQL advisory lock (many processes), a Durable Object per phone
 * (Workers). `task` gets the store as seen from inside the hold. Past the phone's backlog bound, `whenFull` runs
 * instead, at once, outside the hold.
 */
export interface PhoneSerializer {
  run<T>(
    phone: string,
    task: (store: ConversationStore) => Promise<T>,
    whenFull: (store: ConversationStore) => Promise<T>,
  ): Promise<T>;
  /** Phones with a turn running or waiting here (for health and benchmarks). */
  readonly busyPhones: number;
}

/** Rows an erasure removed, per table. */
export interface ErasureCounts {
  conversations: number;
  messages: number;
  transitions: number;
  users: number;
  webhookClaims: number;
  /** Emails of the email step still owed or already sent (their outbox rows). */
  emails: number;
}

export interface OutboxMessage {
  id: number;
  phone: string;
  body: string;
  channel: Channel;
  attempts: number;
  createdAt: number;
  /** Its lease ran out while a sender held it (that sender died or stalled mid-send): it may have gone out. */
  takenOver: boolean;
  /** Until when this sender holds it; `renewLease` moves it on. */
  leasedUntil: number;
}

export interface OutboxStore {
  /**
   * Leases due messages so that one sender at a time owns each, with those whose lease ran out (their sender died
   * mid-send: `takenOver`).
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** Keeps a message's lease while its send runs; false if it was lost (another sender took it over). */
  renewLease(message: OutboxMessage, until: number): Promise<boolean>;
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

/** What recording a status did: applied, ignored as older than what we have, or no message has that sid. */
export type DeliveryUpdate = "updated" | "stale" | "unknown";

/** Delivery statuses Twilio reports for outbound messages, recorded on the transcript (never backwards). */
export interface DeliveryStatusStore {
  recordDelivery(
    messageSid: string,
    status: DeliveryStatus,
    errorCode: number | null,
    at: number,
  ): Promise<DeliveryUpdate>;
}
