import type { Kysely, Transaction } from "kysely";
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
import { toConversationRecord } from "./conversation-record.js";
import type { Database, NewMessage } from "./schema.js";

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

/** The conversation's storage on a Kysely dialect: one transaction per unit of work. */
export class KyselyConversationStore implements ConversationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly phoneLock: DatabasePhoneLock | null = null,
  ) {}

  unitOfWork<T>(phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await this.phoneLock?.takeInTransaction(trx, phone);
      return work(new KyselyUnitOfWork(trx, this.phoneLock));
    });
  }

  recordRefused(refusal: Refusal): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const claim = await findClaim(trx, refusal.messageSid);
      if (claim) return claim.status === "done" ? claim.replies : [refusal.reply];
      await upsertClaim(trx, refusal.messageSid, refusal.phone, [refusal.reply], refusal.at);
      const line = { phone: refusal.phone, created_at: refusal.at, updated_at: refusal.at };
      await trx
        .insertInto("messages")
        .values([
          inbound(line, refusal.inboundBody, refusal.messageSid),
          { ...outbound(line), channel: "twiml", body: refusal.reply, status: "replied" },
        ])
        .execute();
      return [refusal.reply];
    });
  }

  erase(phone: string, operator: string, at: number): Promise<ErasureCounts> {
    return this.db.transaction().execute(async (trx) => {
      await this.phoneLock?.takeInTransaction(trx, phone);
      const removed = async (table: "conversations" | "messages" | "transitions" | "users" | "webhook_claims") =>
        Number((await trx.deleteFrom(table).where("phone", "=", phone).executeTakeFirst()).numDeletedRows);
      const counts: ErasureCounts = {
        messages: await removed("messages"),
        transitions: await removed("transitions"),
        users: await removed("users"),
        webhookClaims: await removed("webhook_claims"),
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

class KyselyUnitOfWork implements ConversationUnitOfWork {
  constructor(
    private readonly trx: Transaction<Database>,
    private readonly phoneLock: DatabasePhoneLock | null,
  ) {}

  findClaim(messageSid: string): Promise<StoredClaim | null> {
    return findClaim(this.trx, messageSid);
  }

  async load(phone: string): Promise<ConversationRecord | null> {
    const row = await this.trx.selectFrom("conversations").selectAll().where("phone", "=", phone).executeTakeFirst();
    return row ? toConversationRecord(row) : null;
  }

  async isEmailTaken(email: string, exceptPhone: string): Promise<boolean> {
    const row = await this.trx
      .selectFrom("users")
      .select("id")
      .where("email", "=", email)
      .where("verified_at", "is not", null)
      .where("phone", "!=", exceptPhone)
      .executeTakeFirst();
    return row !== undefined;
  }

  async beginCall(phone: string, call: PendingCall, now: number): Promise<void> {
    await this.phoneLock?.holdPastCommit(this.trx, phone);
    if (call.messageSid !== null) {
      await this.trx
        .insertInto("webhook_claims")
        .values({
          message_sid: call.messageSid,
          phone,
          status: "processing",
          replies: null,
          claimed_at: now,
          completed_at: null,
        })
        .onConflict((oc) => oc.column("message_sid").doUpdateSet({ status: "processing", claimed_at: now }))
        .execute();
    }
    const pending = JSON.stringify(call);
    await this.trx
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
      .onConflict((oc) => oc.column("phone").doUpdateSet({ pending_call: pending }))
      .execute();
  }

  async saveTurn(turn: Turn): Promise<void> {
    const { trx } = this;
    const email = (turn.snapshot as { context?: { email?: string | null } } | null)?.context?.email ?? null;
    const values = {
      state: turn.state,
      snapshot: turn.snapshot === null ? null : JSON.stringify(turn.snapshot),
      machine_version: turn.machineVersion,
      opted_out: turn.optedOut ? 1 : 0,
      email,
      language: turn.language,
      channel: turn.channel,
      pending_call: null,
      updated_at: turn.at,
      last_activity_at: turn.at,
    };
    const saved =
      turn.expectedRowVersion === null
        ? // A new phone; a row with version 0 is one a pending call created for it.
          Number(
            (
              await trx
                .insertInto("conversations")
                .values({ phone: turn.phone, ...values, row_version: 1, created_at: turn.at })
                .onConflict((oc) =>
                  oc
                    .column("phone")
                    .doUpdateSet({ ...values, row_version: 1 })
                    .where("conversations.row_version", "=", 0),
                )
                .executeTakeFirst()
            ).numInsertedOrUpdatedRows ?? 0,
          )
        : Number(
            (
              await trx
                .updateTable("conversations")
                .set((eb) => ({ ...values, row_version: eb("row_version", "+", 1) }))
                .where("phone", "=", turn.phone)
                .where("row_version", "=", turn.expectedRowVersion)
                .executeTakeFirst()
            ).numUpdatedRows,
          );
    if (saved === 0) throw new StaleConversationError(turn.phone);

    // Every line of the turn is on its channel, but a code read out in a call.
    const line = { phone: turn.phone, created_at: turn.at, updated_at: turn.at, medium: turn.channel };
    const rows: NewMessage[] = [
      ...(turn.inboundBody === null ? [] : [inbound(line, turn.inboundBody, turn.messageSid)]),
      ...turn.sent.map(({ body, sent, at, medium }) => ({
        ...outbound({ ...line, created_at: at, updated_at: at, medium }),
        channel: "api" as const,
        body,
        twilio_sid: sent.sid,
        status: sent.status,
        attempts: 1,
      })),
      ...turn.replies.map((body) => ({ ...outbound(line), channel: "twiml" as const, body, status: "replied" })),
      // The outbox: sent after the commit, retried until Twilio takes it.
      ...turn.outbox.map((body) => ({
        ...outbound(line),
        channel: "api" as const,
        body,
        status: "pending",
        next_attempt_at: turn.at,
      })),
    ];
    if (rows.length > 0) await trx.insertInto("messages").values(rows).execute();
    if (turn.transitions.length > 0) {
      await trx
        .insertInto("transitions")
        .values(
          turn.transitions.map((t) => ({
            phone: turn.phone,
            from_state: t.from,
            event: t.event,
            to_state: t.to,
            at: t.at,
          })),
        )
        .execute();
    }
    for (const effect of turn.effects) await applyEffect(trx, effect, turn.at);
    if (turn.messageSid !== null) await upsertClaim(trx, turn.messageSid, turn.phone, turn.replies, turn.at);
  }
}

async function findClaim(db: Kysely<Database>, messageSid: string): Promise<StoredClaim | null> {
  const row = await db
    .selectFrom("webhook_claims")
    .select(["status", "replies"])
    .where("message_sid", "=", messageSid)
    .executeTakeFirst();
  if (!row) return null;
  return row.status === "done"
    ? { status: "done", replies: row.replies === null ? [] : (JSON.parse(row.replies) as string[]) }
    : { status: "processing" };
}

/** The MessageSid answered, with the replies a redelivery gets; over a claim a cut-short turn left processing. */
async function upsertClaim(db: Kysely<Database>, messageSid: string, phone: string, replies: string[], at: number) {
  const done = { status: "done" as const, replies: JSON.stringify(replies), completed_at: at };
  await db
    .insertInto("webhook_claims")
    .values({ message_sid: messageSid, phone, claimed_at: at, ...done })
    .onConflict((oc) => oc.column("message_sid").doUpdateSet(done))
    .execute();
}

type Line = { phone: string; created_at: number; updated_at: number; medium?: Medium };

function inbound(line: Line, body: string, messageSid: string | null): NewMessage {
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

async function applyEffect(trx: Transaction<Database>, effect: SignupEffect, at: number): Promise<void> {
  switch (effect.type) {
    case "userRegistered": {
      const { countryCode, nationalNumber } = splitPhone(effect.phone);
      const values = {
        country_code: countryCode,
        national_number: nationalNumber,
        email: effect.email,
        provider_id: effect.providerId,
        verified_at: null,
        updated_at: at,
      };
      await trx
        .insertInto("users")
        .values({ phone: effect.phone, ...values, created_at: at })
        .onConflict((oc) => oc.column("phone").doUpdateSet(values))
        .execute();
      return;
    }
    case "verified":
      await trx
        .updateTable("users")
        .set({ verified_at: effect.at, updated_at: at })
        .where("phone", "=", effect.phone)
        .execute();
      return;
  }
}
