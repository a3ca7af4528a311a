import type { Kysely, Selectable } from "kysely";
import type { OutboxMessage, OutboxStore, SentSms } from "../conversation/ports.js";
import { type Claim, claimLeased, nextDueAt, recordAttempt } from "./leased-rows.js";
import { type Database, fromFlag, type MessagesTable, toFlag } from "./schema.js";

/** The statuses of rows a sender may take: due ones, and claimed ones whose sender's lease ran out. */
export const OUTBOX_DUE = ["pending", "claimed"] as const;

// A claimed row says so: taken over once its lease ran out, it may have gone already (see the dispatcher).
const SMS_CLAIM = {
  columns: ["id", "phone", "body", "attempts", "medium", "created_at"],
  due: OUTBOX_DUE,
  taken: "claimed",
  orderBy: "next_attempt_at",
} as const satisfies Claim<"messages", keyof Selectable<MessagesTable>>;

type OutboxRow = Pick<Selectable<MessagesTable>, (typeof SMS_CLAIM.columns)[number] | "status">;

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

/** The outbox (pending outbound rows of the transcript) and the opt-out flag its sender respects. */
export class KyselyOutboxStore implements OutboxStore {
  constructor(protected readonly db: Kysely<Database>) {}

  /** One transaction: the due rows and their leases are read and written together. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.db.transaction().execute((trx) => this.claimDueIn(trx, now, limit, leaseMs));
  }

  /** The claim's statements, in the given transaction, or (D1, which has none) standing alone. */
  protected async claimDueIn(
    db: Kysely<Database>,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<OutboxMessage[]> {
    const claimed = await claimLeased(db, "messages", SMS_CLAIM, now, limit, leaseMs);
    return claimed.map((row) => toOutboxMessage(row, now + leaseMs));
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
    await recordAttempt(
      this.db,
      "messages",
      id,
      { status: sent.status, twilio_sid: sent.sid, next_attempt_at: null },
      now,
    );
  }

  async markRetry(
    id: number,
    error: string,
    errorCode: number | null,
    nextAttemptAt: number,
    now: number,
  ): Promise<void> {
    const values = {
      status: "pending" as const,
      error_message: error,
      error_code: errorCode,
      next_attempt_at: nextAttemptAt,
    };
    await recordAttempt(this.db, "messages", id, values, now);
  }

  async markFailed(
    id: number,
    status: "failed" | "suppressed",
    error: string,
    errorCode: number | null,
    now: number,
  ): Promise<void> {
    const values = { status, error_message: error, error_code: errorCode, next_attempt_at: null };
    await recordAttempt(this.db, "messages", id, values, now);
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

  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.db, "messages", OUTBOX_DUE);
  }
}
