import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { Channel, Medium } from "../../machines/channels.js";
import type { RestingState, StateName } from "../../machines/signup.js";
import type { CallStatus, DeliveryStatus } from "../conversation/ports.js";
import type { Language } from "../i18n/languages.js";

// Times are milliseconds since the epoch in every table (bigint on Postgres, read back as numbers).
type Millis = number;
/** 0 or 1: one representation that SQLite and Postgres share; read and written only through these two. */
export type Flag = 0 | 1;
export const toFlag = (set: boolean): Flag => (set ? 1 : 0);
export const fromFlag = (flag: number): boolean => flag === 1;

export interface ConversationsTable {
  phone: string;
  /** Where the person waits between messages, by the machine state's own (leaf) name. */
  state: RestingState;
  /** The machine's persisted snapshot as JSON; null until the first message reached the machine. */
  snapshot: string | null;
  machine_version: number;
  /** Checked and bumped on every save: two writers can never both win. */
  row_version: number;
  opted_out: Flag;
  email: string | null;
  /** A provider call under way or cut short (PendingCall as JSON), written in the commit before the call. */
  pending_call: string | null;
  /** The language the person chose (LANG, a language's keyword); null: their phone's country decides. */
  language: ColumnType<Language | null, Language | null | undefined, Language | null>;
  /** The channel they last wrote on: replies and sends outside a reply go there. */
  channel: ColumnType<Channel, Channel | undefined, Channel>;
  created_at: Millis;
  updated_at: Millis;
  last_activity_at: Millis;
}

/** The tutorial's User model, adapted: identified by the phone that texted us. */
export interface UsersTable {
  id: Generated<number>;
  phone: string;
  country_code: string;
  national_number: string;
  email: string;
  /** The provider's id for this person (Authy's authy_id). */
  provider_id: string | null;
  verified_at: Millis | null;
  /** When the email was proven by a code (EMAIL_VERIFICATION=code); null: typed only. */
  email_verified_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  created_at: Millis;
  updated_at: Millis;
}

/**
 * Where a message stands: inbound "received"; a TwiML reply "replied"; an outbox SMS "pending" (to send), "claimed"
 * (an instance is sending it), "held" (waiting for the product's webhook) or "suppressed" (the person opted out);
 * then what Twilio says of it. An email's line: "queued" until its transport took it ("sent") or it was given up on
 * ("failed").
 */
export type MessageStatus =
  | EmailLineStatus
  | "received"
  | "replied"
  | "pending"
  | "claimed"
  | "held"
  | "suppressed"
  | DeliveryStatus
  | CallStatus;

/**
 * The transcript, and the outbox: an outbound row with status "pending" is an SMS still to be sent through the
 * Messages API, "claimed" one a sender is sending until `next_attempt_at` (its lease). Bodies never hold a one-time
 * code.
 */
export type EmailLineStatus = "queued" | "sent" | "failed";

/**
 * A queue a dispatcher works through (the SMS outbox in messages, product_webhooks, email_outbox): a row owed until
 * it is done, tried again at `next_attempt_at` (a claimed SMS's lease) and counted in `attempts`.
 */
interface OutboxColumns<Status extends string> {
  id: Generated<number>;
  phone: string;
  status: Status;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface MessagesTable extends OutboxColumns<MessageStatus> {
  direction: "in" | "out";
  /**
   * "webhook" (inbound), "twiml" (a reply to a webhook), "api" (sent through the Messages API), "email" (an email
   * of the email step, masked; its row in email_outbox shares `twilio_sid` as its ref).
   */
  channel: "webhook" | "twiml" | "api" | "email";
  /** SMS, WhatsApp, or a voice call (the code read out): what operators see as the message's channel. */
  medium: ColumnType<Medium, Medium | undefined, Medium>;
  body: string;
  twilio_sid: string | null;
  error_code: number | null;
  error_message: string | null;
}

export interface TransitionsTable {
  id: Generated<number>;
  phone: string;
  from_state: StateName;
  event: string;
  to_state: StateName;
  at: Millis;
}

/** One row per inbound MessageSid; the primary key is the atomic claim. */
export interface WebhookClaimsTable {
  message_sid: string;
  phone: string;
  status: "processing" | "done";
  /** The replies the first delivery got, as a JSON array, so a redelivery gets the same. */
  replies: string | null;
  claimed_at: Millis;
  completed_at: Millis | null;
}

/** What stays of an erased conversation: that it happened, when and by whom, never whose it was. */
export interface ErasuresTable {
  id: Generated<number>;
  /** The phone masked as in logs (+14•••••0123): enough to answer "was my request done?", not to text anyone. */
  phone_hint: string;
  operator: string;
  erased_at: Millis;
  /** Rows removed, per table, as JSON ({"messages": 12, ...}). */
  removed: string;
}

/**
 * The product's outbox: each event the product must learn, POSTed as a Standard Webhook until it answers 2xx.
 * `webhook_id` is fixed when the event is written, so every retry carries the same one and the product de-duplicates.
 */
export interface ProductWebhooksTable extends OutboxColumns<"pending" | "delivered" | "failed"> {
  webhook_id: string;
  /** signup.verified, signup.reset, signup.erased */
  type: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  /** After this the event is marked failed, for an operator to send again. */
  give_up_at: Millis;
  last_error: string | null;
  /** The success SMS that waits for this event's 2xx (SUCCESS_AFTER_WEBHOOK). */
  held_message_id: number | null;
  delivered_at: Millis | null;
}

/** One code the send guard let through or refused; the prefix (the number less its last 4 digits), never the number. */
export interface CodeSendsTable {
  id: Generated<number>;
  prefix: string;
  country: string | null;
  outcome: "sent" | "refused";
  /** Why refused (country, number_type, prefix_cap, country_cap, global_budget); "allowed" for an operator's allowance. */
  reason: string | null;
  at: Millis;
}

/** A number or prefix an operator allowed codes to, whatever the guard says. */
export interface SendAllowancesTable {
  id: Generated<number>;
  /** E.164 number or a prefix of one (+4477009). */
  pattern: string;
  note: string | null;
  created_by: string;
  created_at: Millis;
}

/** Operator sign-ins: the cookie holds a random secret, this table only its HMAC, so signing out can end one. */
export interface OperatorSessionsTable {
  id: string;
  created_at: Millis;
  expires_at: Millis;
}

/**
 * The email outbox: an email owed until its transport takes it. The bodies hold a code only until then: once sent
 * or given up on they are emptied, so no code outlives its email.
 */
export interface EmailOutboxTable extends OutboxColumns<"pending" | "sent" | "failed"> {
  /** Shared with the transcript's line for this email (messages.twilio_sid), which shows its status. */
  ref: string;
  kind: "code" | "notice";
  to_address: string;
  language: string;
  subject: string;
  body_text: string;
  body_html: string;
  /** The transport's id for the email (SMTP Message-ID, SendGrid's X-Message-Id, Verify's VE sid). */
  transport_id: string | null;
  last_error: string | null;
}

export interface Database {
  conversations: ConversationsTable;
  users: UsersTable;
  messages: MessagesTable;
  transitions: TransitionsTable;
  webhook_claims: WebhookClaimsTable;
  erasures: ErasuresTable;
  product_webhooks: ProductWebhooksTable;
  code_sends: CodeSendsTable;
  send_allowances: SendAllowancesTable;
  operator_sessions: OperatorSessionsTable;
  email_outbox: EmailOutboxTable;
}

export type ConversationRow = Selectable<ConversationsTable>;
export type NewMessage = Insertable<MessagesTable>;
