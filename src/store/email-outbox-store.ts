import type { Kysely, Selectable, Updateable } from "kysely";
import type { EmailKind } from "../email/ports.js";
import { type Claim, claimLeased, nextDueAt, recordAttempt } from "./leased-rows.js";
import type { Database, EmailLineStatus, EmailOutboxTable } from "./schema.js";

/** An email the outbox owes, as its sender sees it. */
export interface OwedEmail {
  id: number;
  ref: string;
  phone: string;
  kind: EmailKind;
  to: string;
  language: string;
  subject: string;
  text: string;
  html: string;
  attempts: number;
}

/** The SMS that tells a person their email could not be sent, queued with the email's final failure. */
export interface FailureSms {
  body: string;
}

const EMAIL_CLAIM = {
  columns: ["id", "ref", "phone", "kind", "to_address", "language", "subject", "body_text", "body_html", "attempts"],
  due: ["pending"],
  orderBy: "next_attempt_at",
} as const satisfies Claim<"email_outbox", keyof Selectable<EmailOutboxTable>>;

/** The email outbox's storage. Statements stand alone (no transaction), so the same store runs on D1. */
export class KyselyEmailOutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OwedEmail[]> {
    const claimed = await claimLeased(this.db, "email_outbox", EMAIL_CLAIM, now, limit, leaseMs);
    return claimed.map((row) => ({
      id: Number(row.id),
      ref: row.ref,
      phone: row.phone,
      kind: row.kind,
      to: row.to_address,
      language: row.language,
      subject: row.subject,
      text: row.body_text,
      html: row.body_html,
      attempts: Number(row.attempts),
    }));
  }

  /** Sent: the bodies (and the code in them) are dropped, the transcript's line says so. */
  async markSent(email: OwedEmail, transportId: string, now: number): Promise<void> {
    await this.finish(email, { status: "sent", transport_id: transportId }, now);
    await this.transcript(email.ref, "sent", null, now);
  }

  async markRetry(email: OwedEmail, error: string, nextAttemptAt: number, now: number): Promise<void> {
    await recordAttempt(this.db, "email_outbox", email.id, { last_error: error, next_attempt_at: nextAttemptAt }, now);
    await this.transcript(email.ref, "queued", error, now);
  }

  /** Given up: the bodies go, and the person is told by SMS (queued in the SMS outbox) that they may RESEND. */
  async markFailed(email: OwedEmail, error: string, sms: FailureSms | null, now: number): Promise<void> {
    await this.finish(email, { status: "failed", last_error: error }, now);
    await this.transcript(email.ref, "failed", error, now);
    if (sms === null) return;
    const conversation = await this.db
      .selectFrom("conversations")
      .select("channel")
      .where("phone", "=", email.phone)
      .executeTakeFirst();
    await this.db
      .insertInto("messages")
      .values({
        phone: email.phone,
        direction: "out",
        channel: "api",
        medium: conversation?.channel ?? "sms",
        body: sms.body,
        twilio_sid: null,
        status: "pending",
        error_code: null,
        error_message: null,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.db, "email_outbox", EMAIL_CLAIM.due);
  }

  /** Done with, either way: no code outlives its email's sending. */
  private finish(email: OwedEmail, values: Updateable<EmailOutboxTable>, now: number) {
    return recordAttempt(
      this.db,
      "email_outbox",
      email.id,
      { ...values, body_text: "", body_html: "", next_attempt_at: null },
      now,
    );
  }

  private async transcript(ref: string, status: EmailLineStatus, error: string | null, now: number): Promise<void> {
    await this.db
      .updateTable("messages")
      .set({ status, error_message: error, updated_at: now })
      .where("twilio_sid", "=", ref)
      .where("channel", "=", "email")
      .execute();
  }
}
