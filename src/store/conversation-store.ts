import type { CompiledQuery, Kysely, QueryResult, Transaction } from "kysely";
import type { Medium } from "../../machines/channels.js";
import type { SignupEffect } from "../../machines/types.js";
import { maskPhone } from "../conversation/mask.js";
import { splitPhone } from "../conversation/phone.js";
import {
  type ConversationRecord,
  type ConversationStore,
  type ConversationUnitOfWork,
  type ErasureCounts,
  type PendingCall,
  type Refusal,
  StaleConversationError,
  type StoredClaim,
  type Turn,
} from "../conversation/ports.js";
import { transcriptLine } from "../email/content.js";
import { maskEmail } from "../email/ports.js";
import { toConversationRecord } from "./conversation-record.js";
import { GroupCommit } from "./group-commit.js";
import { type BoundStatement, prepared, preparedRows } from "./prepared.js";
import { type Database, type NewMessage, toFlag } from "./schema.js";

/**
 * How a unit of work takes the phone in the database, where other processes share it (PostgreSQL's advisory locks).
 * Where one process owns the database (SQLite) the in-process serializer is all it takes, and this is absent.
 */
export interface DatabasePhoneLock {
  /** The first statement of every unit of work on the phone: waits for whoever holds it, held until the commit. */
  takeInTransaction(trx: Transaction<Database>, phone: string): Promise<void>;
  /** Keeps the phone held past this transaction's commit, until `release`. */
  holdPastCommit(trx: Transaction<Database>, phone: string): Promise<void>;
}

/**
 * What other parts write in the same transaction as a turn or an erasure (the product's webhooks), or count after.
 * (D1 has no transactions to share: the Workers store does not take these.)
 */
export interface TransactionHooks {
  afterTurn?(trx: Transaction<Database>, turn: Turn): Promise<void>;
  beforeErase?(trx: Transaction<Database>, phone: string, at: number, operator: string): Promise<void>;
  /** After the transaction that saved the turn committed: what it changed is now true. */
  afterCommit?(turn: Turn): void;
}

/** The conversation's storage on a Kysely dialect: one transaction per unit of work. */
export class KyselyConversationStore implements ConversationStore {
  /**
   * Where the process owns the database: the deferred units of work of different phones commit together. Made at
   * the first such unit: a store holding a database lock (PostgreSQL, one per turn) never defers.
   */
  private groupCommit: GroupCommit | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly phoneLock: DatabasePhoneLock | null = null,
    private readonly hooks: TransactionHooks = {},
  ) {}

  async unitOfWork<T>(phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    const { phoneLock } = this;
    if (phoneLock === null) return this.deferredUnitOfWork(work);
    const saved: Turn[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      await phoneLock.takeInTransaction(trx, phone);
      return work(new KyselyUnitOfWork(trx, this.phoneLock, this.hooks, saved));
    });
    for (const turn of saved) this.hooks.afterCommit?.(turn);
    return result;
  }

  /**
   * Where this process owns the database, its serializer runs one unit of work per phone at a time, and nothing
   * else writes a conversation but behind a row version: the unit reads as it goes (as on D1) and its writes go
   * in one transaction at its end. The database's one writer is then held for the writes alone, not while the
   * machine runs (with the other requests' work interleaved on the event loop, that was ten times as long), and the
   * units of other phones that end at the same time share that transaction's commit (GroupCommit).
   */
  private async deferredUnitOfWork<T>(work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    const unit = new QueuedUnitOfWork(this.db);
    const result = await work(unit);
    if (unit.writes.length === 0) return result;
    this.groupCommit ??= new GroupCommit(this.db);
    await this.groupCommit.commit(async (trx) => {
      for (const { write, savesPhone } of unit.writes) {
        const done = await trx.executeQuery(write.compile());
        if (savesPhone !== null && changedRows(done) === 0) throw new StaleConversationError(savesPhone);
      }
      for (const turn of unit.turns) await this.hooks.afterTurn?.(trx, turn);
    });
    for (const turn of unit.turns) this.hooks.afterCommit?.(turn);
    return result;
  }

  recordRefused(refusal: Refusal): Promise<string[]> {
    // Not the phone's lock: a refusal is what a message gets when it could not wait for the phone's turn.
    return this.db.transaction().execute((trx) => new KyselyUnitOfWork(trx, null, this.hooks, []).refuse(refusal));
  }

  erase(phone: string, operator: string, at: number): Promise<ErasureCounts> {
    return this.db.transaction().execute(async (trx) => {
      await this.phoneLock?.takeInTransaction(trx, phone);
      await this.hooks.beforeErase?.(trx, phone, at, operator);
      const removed = async (
        table: "conversations" | "messages" | "transitions" | "users" | "webhook_claims" | "email_outbox",
      ) => Number((await trx.deleteFrom(table).where("phone", "=", phone).executeTakeFirst()).numDeletedRows);
      const counts: ErasureCounts = {
        messages: await removed("messages"),
        transitions: await removed("transitions"),
        users: await removed("users"),
        webhookClaims: await removed("webhook_claims"),
        emails: await removed("email_outbox"),
        conversations: await removed("conversations"),
      };
      await trx
        .insertInto("erasures")
        .values({ phone_hint: maskPhone(phone), operator, erased_at: at, removed: JSON.stringify(counts) })
        .execute();
      return counts;
    });
  }
}

/**
 * A unit of work on SQL: what it reads, and which statements a call, a turn or a refusal writes. The stores differ
 * only in how those statements run: in a transaction as they come, or (D1, which has none) as one batch at the end.
 */
export abstract class SqlUnitOfWork implements ConversationUnitOfWork {
  constructor(protected readonly reader: Kysely<Database>) {}

  /** Runs (or queues) statements, in order. */
  protected abstract write(writes: Write[]): Promise<void>;
  /** Runs (or queues) the conversation's save, which must fail the unit of work if another writer saved first. */
  protected abstract writeSave(save: BoundStatement<unknown>, phone: string): Promise<void>;

  findClaim(messageSid: string): Promise<StoredClaim | null> {
    return findClaim(this.reader, messageSid);
  }

  async load(phone: string): Promise<ConversationRecord | null> {
    const [row] = (await loadConversation(this.reader, phone).execute()).rows;
    return row ? toConversationRecord(row) : null;
  }

  async isEmailTaken(email: string, exceptPhone: string): Promise<boolean> {
    return (await verifiedEmailElsewhere(this.reader, email, exceptPhone).execute()).rows.length > 0;
  }

  /** Before a provider call: the MessageSid taken, and the call it is about to make. */
  beginCall(phone: string, call: PendingCall, now: number): Promise<void> {
    const pending = markPending(this.reader, phone, JSON.stringify(call), now);
    return this.write(
      call.messageSid === null ? [pending] : [claimProcessing(this.reader, call.messageSid, phone, now), pending],
    );
  }

  async saveTurn(turn: Turn): Promise<void> {
    const { save, then } = turnWrites(this.reader, turn);
    await this.writeSave(save, turn.phone);
    await this.write(then);
  }

  /** A message answered without a turn, unless its MessageSid was seen before: then what it got then. */
  async refuse(refusal: Refusal): Promise<string[]> {
    const claim = await this.findClaim(refusal.messageSid);
    if (claim) return claim.status === "done" ? claim.replies : [refusal.reply];
    await this.write(refusalWrites(this.reader, refusal));
    return [refusal.reply];
  }
}

const loadConversation = prepared((db, phone: string) =>
  db.selectFrom("conversations").selectAll().where("phone", "=", phone),
);

const verifiedEmailElsewhere = prepared((db, email: string, exceptPhone: string) =>
  db
    .selectFrom("users")
    .select("id")
    .where("email", "=", email)
    .where("verified_at", "is not", null)
    .where("phone", "!=", exceptPhone)
    .limit(1),
);

/**
 * A unit of work that reads straight on the database and keeps its writes for its end: one transaction (SQLite on
 * Node, see `deferredUnitOfWork`) or one batch (D1).
 */
export class QueuedUnitOfWork extends SqlUnitOfWork {
  /** `savesPhone`: the conversation's save, which must change a row (else another writer saved first). */
  readonly writes: { write: Write; savesPhone: string | null }[] = [];
  readonly turns: Turn[] = [];

  protected async write(writes: Write[]): Promise<void> {
    for (const write of writes) this.writes.push({ write, savesPhone: null });
  }

  protected async writeSave(save: BoundStatement<unknown>, phone: string): Promise<void> {
    this.writes.push({ write: save, savesPhone: phone });
  }

  override async saveTurn(turn: Turn): Promise<void> {
    await super.saveTurn(turn);
    this.turns.push(turn);
  }
}

class KyselyUnitOfWork extends SqlUnitOfWork {
  constructor(
    private readonly trx: Transaction<Database>,
    private readonly phoneLock: DatabasePhoneLock | null,
    private readonly hooks: TransactionHooks,
    private readonly saved: Turn[],
  ) {
    super(trx);
  }

  protected async write(writes: Write[]): Promise<void> {
    for (const write of writes) await write.execute();
  }

  protected async writeSave(save: BoundStatement<unknown>, phone: string): Promise<void> {
    if (changedRows(await save.execute()) === 0) throw new StaleConversationError(phone);
  }

  override async beginCall(phone: string, call: PendingCall, now: number): Promise<void> {
    await this.phoneLock?.holdPastCommit(this.trx, phone);
    await super.beginCall(phone, call, now);
  }

  override async saveTurn(turn: Turn): Promise<void> {
    await super.saveTurn(turn);
    await this.hooks.afterTurn?.(this.trx, turn);
    this.saved.push(turn);
  }
}

/** A statement that runs in a transaction, or is compiled into a D1 batch (src/worker/d1-conversation-store.ts). */
export interface Write {
  compile(): CompiledQuery;
  execute(): Promise<unknown>;
}

function changedRows(result: QueryResult<unknown>): number {
  return Number(result.numAffectedRows ?? 0);
}

const claimProcessing = prepared((db, messageSid: string, phone: string, now: number) =>
  db
    .insertInto("webhook_claims")
    .values({
      message_sid: messageSid,
      phone,
      status: "processing",
      replies: null,
      claimed_at: now,
      completed_at: null,
    })
    .onConflict((oc) => oc.column("message_sid").doUpdateSet({ status: "processing", claimed_at: now })),
);

const markPending = prepared((db, phone: string, pending: string, now: number) =>
  db
    .insertInto("conversations")
    .values({
      phone,
      state: "new",
      snapshot: null,
      machine_version: 0,
      row_version: 0,
      opted_out: 0,
      email: null,
      pending_call: pending,
      created_at: now,
      updated_at: now,
      last_activity_at: now,
    })
    .onConflict((oc) => oc.column("phone").doUpdateSet({ pending_call: pending })),
);

/**
 * What a turn writes: `save`, the conversation, which changes no row when another writer saved since the turn
 * loaded it (then nothing of the turn may be written), then the transcript, timeline, effects and the claim.
 */
function turnWrites(db: Kysely<Database>, turn: Turn) {
  const email = (turn.snapshot as { context?: { email?: string | null } } | null)?.context?.email ?? null;
  const values: SavedValues = [
    turn.state,
    turn.snapshot === null ? null : JSON.stringify(turn.snapshot),
    turn.machineVersion,
    toFlag(turn.optedOut),
    email,
    turn.language,
    turn.channel,
    turn.pendingCall ? JSON.stringify(turn.pendingCall) : null,
    turn.at,
  ];
  const save =
    turn.expectedRowVersion === null
      ? insertConversation(db, turn.phone, ...values)
      : updateConversation(db, turn.phone, turn.expectedRowVersion, ...values);

  // Every line of the turn is on its channel, but a code read out in a call.
  const line = { phone: turn.phone, created_at: turn.at, updated_at: turn.at, medium: turn.channel };
  const rows: MessageRow[] = [
    ...(turn.inboundBody === null ? [] : [inbound(line, turn.inboundBody, turn.messageSid)]),
    ...turn.sent.map(({ body, sent, at, medium }) => ({
      ...outbound({ ...line, created_at: at, updated_at: at, medium }),
      channel: "api" as const,
      body,
      twilio_sid: sent.sid,
      status: sent.status,
      attempts: 1,
    })),
    ...turn.replies.map((body) => ({ ...outbound(line), channel: "twiml" as const, body, status: "replied" as const })),
    // The outbox: sent after the commit, retried until Twilio takes it.
    ...turn.outbox.map((body) => ({
      ...outbound(line),
      channel: "api" as const,
      body,
      status: "pending" as const,
      next_attempt_at: turn.at,
    })),
    // An email's line: who and what, never its code; its status follows the email outbox's row (by ref).
    ...(turn.emails ?? []).map((email) => ({
      ...outbound({ ...line, medium: "email" }),
      channel: "email" as const,
      body: transcriptLine(email.kind, maskEmail(email.to), email.subject),
      twilio_sid: email.ref,
      status: "queued" as const,
    })),
  ];
  const then: Write[] = [];
  for (const group of groupsOf(rows, MESSAGES_AT_ONCE)) then.push(insertMessages(db, group));
  for (const group of groupsOf(turn.transitions, TRANSITIONS_AT_ONCE)) {
    then.push(
      insertTransitions(
        db,
        group.map((t) => ({ phone: turn.phone, from_state: t.from, event: t.event, to_state: t.to, at: t.at })),
      ),
    );
  }
  for (const email of turn.emails ?? []) {
    then.push(
      db.insertInto("email_outbox").values({
        ref: email.ref,
        phone: turn.phone,
        kind: email.kind,
        to_address: email.to,
        language: email.language,
        subject: email.subject,
        body_text: email.text,
        body_html: email.html,
        status: "pending",
        next_attempt_at: turn.at,
        created_at: turn.at,
        updated_at: turn.at,
      }),
    );
  }
  for (const effect of turn.effects) then.push(effectWrite(db, effect, turn.at));
  if (turn.messageSid !== null) then.push(claimAnswered(db, turn.messageSid, turn.phone, turn.replies, turn.at));
  return { save, then };
}

/** A turn's conversation columns, in the order the two saves below take them. */
type SavedValues = [
  state: Turn["state"],
  snapshot: string | null,
  machineVersion: number,
  optedOut: 0 | 1,
  email: string | null,
  language: Turn["language"],
  channel: Turn["channel"],
  pendingCall: string | null,
  at: number,
];

const savedColumns = (
  ...[state, snapshot, machineVersion, optedOut, email, language, channel, pendingCall, at]: SavedValues
) => ({
  state,
  snapshot,
  machine_version: machineVersion,
  opted_out: optedOut,
  email,
  language,
  channel,
  pending_call: pendingCall,
  updated_at: at,
  last_activity_at: at,
});

// A new phone; a row with version 0 is one a pending call created for it.
const insertConversation = prepared((db, phone: string, ...values: SavedValues) =>
  db
    .insertInto("conversations")
    .values({ phone, ...savedColumns(...values), row_version: 1, created_at: values[8] })
    .onConflict((oc) =>
      oc
        .column("phone")
        .doUpdateSet({ ...savedColumns(...values), row_version: 1 })
        .where("conversations.row_version", "=", 0),
    ),
);

const updateConversation = prepared((db, phone: string, expectedRowVersion: number, ...values: SavedValues) =>
  db
    .updateTable("conversations")
    .set((eb) => ({ ...savedColumns(...values), row_version: eb("row_version", "+", 1) }))
    .where("phone", "=", phone)
    .where("row_version", "=", expectedRowVersion),
);

// Rows go in small groups: D1 binds at most 100 parameters per statement.
const MESSAGES_AT_ONCE = 6;
const TRANSITIONS_AT_ONCE = 12;

type MessageRow = Omit<Required<NewMessage>, "id">;

const insertMessages = preparedRows<MessageRow, unknown>(
  MESSAGES_AT_ONCE,
  [
    "phone",
    "direction",
    "channel",
    "medium",
    "body",
    "twilio_sid",
    "status",
    "error_code",
    "error_message",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
  ],
  (db, rows) => db.insertInto("messages").values(rows),
);

type TransitionRow = { phone: string; from_state: string; event: string; to_state: string; at: number };

const insertTransitions = preparedRows<TransitionRow, unknown>(
  TRANSITIONS_AT_ONCE,
  ["phone", "from_state", "event", "to_state", "at"],
  (db, rows) => db.insertInto("transitions").values(rows as never),
);

/** A message answered without a turn: its MessageSid answered, its lines in the transcript. */
function refusalWrites(db: Kysely<Database>, refusal: Refusal): Write[] {
  const line = { phone: refusal.phone, created_at: refusal.at, updated_at: refusal.at, medium: "sms" as const };
  return [
    claimAnswered(db, refusal.messageSid, refusal.phone, [refusal.reply], refusal.at),
    insertMessages(db, [
      inbound(line, refusal.inboundBody, refusal.messageSid),
      { ...outbound(line), channel: "twiml", body: refusal.reply, status: "replied" },
    ]),
  ];
}

function groupsOf<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

const selectClaim = prepared((db, messageSid: string) =>
  db.selectFrom("webhook_claims").select(["status", "replies"]).where("message_sid", "=", messageSid),
);

async function findClaim(db: Kysely<Database>, messageSid: string): Promise<StoredClaim | null> {
  const [row] = (await selectClaim(db, messageSid).execute()).rows;
  if (!row) return null;
  return row.status === "done"
    ? { status: "done", replies: row.replies === null ? [] : (JSON.parse(row.replies) as string[]) }
    : { status: "processing" };
}

/** The MessageSid answered, with the replies a redelivery gets; over a claim a cut-short turn left processing. */
function claimAnswered(db: Kysely<Database>, messageSid: string, phone: string, replies: string[], at: number): Write {
  return answerClaim(db, messageSid, phone, JSON.stringify(replies), at);
}

const answerClaim = prepared((db, messageSid: string, phone: string, replies: string, at: number) => {
  const done = { status: "done" as const, replies, completed_at: at };
  return db
    .insertInto("webhook_claims")
    .values({ message_sid: messageSid, phone, claimed_at: at, ...done })
    .onConflict((oc) => oc.column("message_sid").doUpdateSet(done));
});

type Line = { phone: string; created_at: number; updated_at: number; medium: Medium };

function inbound(line: Line, body: string, messageSid: string | null): MessageRow {
  return {
    ...outbound(line),
    direction: "in",
    channel: "webhook",
    body,
    twilio_sid: messageSid,
    status: "received",
  };
}

function outbound(line: Line) {
  return {
    ...line,
    direction: "out" as const,
    twilio_sid: null,
    error_code: null,
    error_message: null,
    attempts: 0,
    next_attempt_at: null,
  };
}

function effectWrite(db: Kysely<Database>, effect: SignupEffect, at: number): Write {
  switch (effect.type) {
    case "userRegistered": {
      const { countryCode, nationalNumber } = splitPhone(effect.phone);
      return registerUser(db, effect.phone, countryCode, nationalNumber, effect.email, effect.providerId, at);
    }
    case "verified":
      // The email too: the email step may have changed it since the user was registered.
      return markVerified(db, effect.phone, effect.email, effect.at, effect.emailVerified ? effect.at : null, at);
  }
}

const registerUser = prepared(
  (
    db,
    phone: string,
    countryCode: string,
    nationalNumber: string,
    email: string,
    providerId: string | null,
    at: number,
  ) => {
    const values = {
      country_code: countryCode,
      national_number: nationalNumber,
      email,
      provider_id: providerId,
      verified_at: null,
      updated_at: at,
    };
    return db
      .insertInto("users")
      .values({ phone, ...values, created_at: at })
      .onConflict((oc) => oc.column("phone").doUpdateSet(values));
  },
);

const markVerified = prepared(
  (db, phone: string, email: string, verifiedAt: number, emailVerifiedAt: number | null, at: number) =>
    db
      .updateTable("users")
      .set({ verified_at: verifiedAt, email, email_verified_at: emailVerifiedAt, updated_at: at })
      .where("phone", "=", phone),
);
