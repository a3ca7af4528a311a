import type { Kysely, Selectable } from "kysely";
import type { OutboxMessage, OutboxStore, SentSms } from "../conversation/ports.js";
import { type Database, fromFlag, type MessagesTable, toFlag } from "./schema.js";

/** The statuses of rows a sender may take: due ones, and claimed ones whose sender's lease ran out. */
export const OUTBOX_DUE = ["pending", "claimed"] as const;

/** The columns a claim reads. */
const OUTBOX_COLUMNS = ["id", "phone", "body", "attempts", "medium", "created_at", "status"] as const;

/** An outbox row as its sender sees it: on WhatsApp, or else by SMS (a call is never queued). */
function toOutboxMessage(
  { medium, created_at, status, ...rest }: OutboxRow,
  leasedUntil: number,
  takenOver = status === "claimed",
): OutboxMessage {
  return {
    ...rest,
    channel: medium === "whatsapp" ? "whatsapp" : "sms",
    createdAt: created_at,
    takenOver,
    leasedUntil,
  };
}

type OutboxRow = Pick<Selectable<MessagesTable>, (typeof OUTBOX_COLUMNS)[number]>;

/** The outbox (pending outbound rows of the transcript) and the opt-out flag its sender respects. */
export class KyselyOutboxStore implements OutboxStore {
  constructor(protected readonly db: Kysely<Database>) {}

  /** One transaction: the due rows and their leases are read and written together. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.db.transaction().execute((trx) => this.claimDueIn(trx, now, limit, leaseMs));
  }

  /** Each claim is a compare-and-set on the row's status and due time, so two senders never both take a row. */
  protected async claimDueIn(
    db: Kysely<Database>,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<OutboxMessage[]> {
    const due = await db
      .selectFrom("messages")
      .select(OUTBOX_COLUMNS)
      .where("status", "in", OUTBOX_DUE)
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    const claimed: OutboxMessage[] = [];
    for (const message of due) {
      // The lease: claimed until then, renewed while the send runs; a sender that dies mid-send stops renewing it.
      const taken = await db
        .updateTable("messages")
        .set({ status: "claimed", next_attempt_at: now + leaseMs })
        .where("id", "=", message.id)
        .where("status", "=", message.status)
        .where("next_attempt_at", "<=", now)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) > 0) claimed.push(toOutboxMessage(message, now + leaseMs));
    }
    return claimed;
  }

  async renewLease(message: OutboxMessage, until: number): Promise<boolean> {
    const renewed = await this.db
      .updateTable("messages")
      .set({ next_attempt_at: until })
      .where("id", "=", message.id)
      .where("status", "=", "claimed")
      .where("next_attempt_at", "=", message.leasedUntil)
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) === 0) return false;
    message.leasedUntil = until;
    return true;
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
        status: "pending",
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
    return row !== undefined && fromFlag(row.opted_out);
  }

  async setOptedOut(phone: string, optedOut: boolean, now: number): Promise<void> {
    // Bumping the row version makes a turn that read the old flag fail its save rather than undo this.
    await this.db
      .updateTable("conversations")
      .set((eb) => ({ opted_out: toFlag(optedOut), row_version: eb("row_version", "+", 1), updated_at: now }))
      .where("phone", "=", phone)
      .execute();
  }

  async nextDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom("messages")
      .select((eb) => eb.fn.min("next_attempt_at").as("due"))
      .where("status", "in", OUTBOX_DUE)
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }
}
