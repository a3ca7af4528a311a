import type { Kysely, Transaction } from "kysely";
import type { SignupEffect } from "../../machines/types.js";
import { maskPhone } from "../conversation/mask.js";
import { splitPhone } from "../conversation/phone.js";
import {
  type ConversationRecord,
  type ConversationStore,
  type ErasureCounts,
  type MessageClaim,
  type OutboxMessage,
  type OutboxStore,
  type SentSms,
  StaleConversationError,
  type Turn,
} from "../conversation/ports.js";
import type { Database } from "./schema.js";

/** The conversation's and the outbox's storage on any Kysely dialect (SQLite, Postgres, D1). */
export class KyselyStore implements ConversationStore, OutboxStore {
  constructor(readonly db: Kysely<Database>) {}

  async acquireLease(phone: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const inserted = await this.db
      .insertInto("conversations")
      .values({
        phone,
        state: "new",
        snapshot: null,
        machine_version: 0,
        row_version: 0,
        opted_out: 0,
        email: null,
        lease_owner: owner,
        lease_until: now + ttlMs,
        created_at: now,
        updated_at: now,
        last_activity_at: now,
      })
      .onConflict((oc) => oc.column("phone").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
    const updated = await this.db
      .updateTable("conversations")
      .set({ lease_owner: owner, lease_until: now + ttlMs })
      .where("phone", "=", phone)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now), eb("lease_owner", "=", owner)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async releaseLease(phone: string, owner: string): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ lease_owner: null, lease_until: null })
      .where("phone", "=", phone)
      .where("lease_owner", "=", owner)
      .execute();
  }

  async claimMessage(messageSid: string, phone: string, now: number, staleAfterMs: number): Promise<MessageClaim> {
    const inserted = await this.db
      .insertInto("webhook_claims")
      .values({
        message_sid: messageSid,
        phone,
        status: "processing",
        replies: null,
        claimed_at: now,
        completed_at: null,
      })
      .onConflict((oc) => oc.column("message_sid").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: "claimed" };
    // A claim still "processing" long after it was taken belongs to a process that died mid-turn: take it over.
    const takenOver = await this.db
      .updateTable("webhook_claims")
      .set({ claimed_at: now })
      .where("message_sid", "=", messageSid)
      .where("status", "=", "processing")
      .where("claimed_at", "<", now - staleAfterMs)
      .executeTakeFirst();
    if (Number(takenOver.numUpdatedRows) > 0) return { kind: "claimed" };
    const existing = await this.db
      .selectFrom("webhook_claims")
      .select("replies")
      .where("message_sid", "=", messageSid)
      .executeTakeFirst();
    return { kind: "duplicate", replies: existing?.replies ? (JSON.parse(existing.replies) as string[]) : null };
  }

  async releaseMessage(messageSid: string): Promise<void> {
    await this.db
      .deleteFrom("webhook_claims")
      .where("message_sid", "=", messageSid)
      .where("status", "=", "processing")
      .execute();
  }

  async load(phone: string): Promise<ConversationRecord | null> {
    const row = await this.db.selectFrom("conversations").selectAll().where("phone", "=", phone).executeTakeFirst();
    if (!row) return null;
    return {
      phone: row.phone,
      state: row.state,
      snapshot: row.snapshot === null ? null : JSON.parse(row.snapshot),
      machineVersion: row.machine_version,
      rowVersion: row.row_version,
      optedOut: row.opted_out === 1,
    };
  }

  async saveTurn(turn: Turn): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const email = (turn.snapshot as { context?: { email?: string | null } } | null)?.context?.email ?? null;
      const updated = await trx
        .updateTable("conversations")
        .set((eb) => ({
          state: turn.state,
          snapshot: turn.snapshot === null ? null : JSON.stringify(turn.snapshot),
          machine_version: turn.machineVersion,
          row_version: eb("row_version", "+", 1),
          opted_out: turn.optedOut ? 1 : 0,
          email,
          updated_at: turn.at,
          last_activity_at: turn.at,
        }))
        .where("phone", "=", turn.phone)
        .where("row_version", "=", turn.expectedRowVersion)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new StaleConversationError(turn.phone);

      const base = {
        phone: turn.phone,
        direction: "out" as const,
        error_code: null,
        error_message: null,
        next_attempt_at: null,
        created_at: turn.at,
        updated_at: turn.at,
      };
      const rows = [
        ...(turn.inboundBody === null
          ? []
          : [
              {
                ...base,
                direction: "in" as const,
                channel: "webhook" as const,
                body: turn.inboundBody,
                twilio_sid: turn.messageSid,
                status: "received",
              },
            ]),
        ...turn.replies.map((body) => ({
          ...base,
          channel: "twiml" as const,
          body,
          twilio_sid: null,
          status: "replied",
        })),
        // The outbox: sent after the commit, retried until Twilio takes it.
        ...turn.outbox.map((body) => ({
          ...base,
          channel: "api" as const,
          body,
          twilio_sid: null,
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
      if (turn.messageSid !== null) {
        await trx
          .updateTable("webhook_claims")
          .set({ status: "done", replies: JSON.stringify(turn.replies), completed_at: turn.at })
          .where("message_sid", "=", turn.messageSid)
          .execute();
      }
    });
  }

  async isEmailTaken(email: string, exceptPhone: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", email)
      .where("verified_at", "is not", null)
      .where("phone", "!=", exceptPhone)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordSent(phone: string, body: string, sent: SentSms, at: number): Promise<void> {
    await this.db
      .insertInto("messages")
      .values({
        phone,
        direction: "out",
        channel: "api",
        body,
        twilio_sid: sent.sid,
        status: sent.status,
        error_code: null,
        error_message: null,
        attempts: 1,
        next_attempt_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }

  async erase(phone: string, operator: string, at: number): Promise<ErasureCounts> {
    return this.db.transaction().execute(async (trx) => {
      const removed = async (table: "conversations" | "messages" | "transitions" | "users" | "webhook_claims") =>
        Number((await trx.deleteFrom(table).where("phone", "=", phone).executeTakeFirst()).numDeletedRows);
      const counts: ErasureCounts = {
        messages: await removed("messages"),
        transitions: await removed("transitions"),
        users: await removed("users"),
        webhookClaims: await removed("webhook_claims"),
        // Last: the conversation row carries the lease the caller holds.
        conversations: await removed("conversations"),
      };
      await trx
        .insertInto("erasures")
        .values({ phone_hint: maskPhone(phone), operator, erased_at: at, removed: JSON.stringify(counts) })
        .execute();
      return counts;
    });
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const due = await this.db
      .selectFrom("messages")
      .select(["id", "phone", "body", "attempts"])
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    const claimed: OutboxMessage[] = [];
    for (const message of due) {
      // Pushing the due time forward is the lease: a sender that dies mid-send leaves it to be retried later.
      const taken = await this.db
        .updateTable("messages")
        .set({ next_attempt_at: now + leaseMs })
        .where("id", "=", message.id)
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) > 0) claimed.push(message);
    }
    return claimed;
  }

  async markSent(id: number, sent: SentSms, now: number): Promise<void> {
    await this.db
      .updateTable("messages")
      .set((eb) => ({
        status: sent.status,
        twilio_sid: sent.sid,
        attempts: eb("attempts", "+", 1),
        next_attempt_at: null,
        updated_at: now,
      }))
      .where("id", "=", id)
      .execute();
  }

  async markRetry(
    id: number,
    error: string,
    errorCode: number | null,
    nextAttemptAt: number,
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable("messages")
      .set((eb) => ({
        error_message: error,
        error_code: errorCode,
        attempts: eb("attempts", "+", 1),
        next_attempt_at: nextAttemptAt,
        updated_at: now,
      }))
      .where("id", "=", id)
      .execute();
  }

  async markFailed(
    id: number,
    status: "failed" | "suppressed",
    error: string,
    errorCode: number | null,
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable("messages")
      .set((eb) => ({
        status,
        error_message: error,
        error_code: errorCode,
        attempts: eb("attempts", "+", 1),
        next_attempt_at: null,
        updated_at: now,
      }))
      .where("id", "=", id)
      .execute();
  }

  async isOptedOut(phone: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("conversations")
      .select("opted_out")
      .where("phone", "=", phone)
      .executeTakeFirst();
    return row?.opted_out === 1;
  }

  async setOptedOut(phone: string, optedOut: boolean, now: number): Promise<void> {
    // Bumping the row version makes a turn that read the old flag fail its save rather than undo this.
    await this.db
      .updateTable("conversations")
      .set((eb) => ({ opted_out: optedOut ? 1 : 0, row_version: eb("row_version", "+", 1), updated_at: now }))
      .where("phone", "=", phone)
      .execute();
  }

  async nextDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom("messages")
      .select((eb) => eb.fn.min("next_attempt_at").as("due"))
      .where("status", "=", "pending")
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }
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
