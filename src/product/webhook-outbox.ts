import type { Kysely, Selectable, Transaction } from "kysely";
import { maskPhone } from "../conversation/mask.js";
import type { Turn } from "../conversation/ports.js";
import { backlog, type Claim, claimLeased, nextDueAt, recordAttempt } from "../store/leased-rows.js";
import type { Database, ProductWebhooksTable } from "../store/schema.js";
import { newWebhookId, type ProductEvent, webhookPayload } from "./events.js";

export interface DueWebhook {
  id: number;
  webhookId: string;
  payload: string;
  attempts: number;
  giveUpAt: number;
}

export interface WebhookRow {
  id: number;
  webhookId: string;
  type: string;
  phone: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface WebhookOutboxOptions {
  /** An event not delivered within this is marked failed and waits for an operator. */
  giveUpAfterMs: number;
  /** SUCCESS_AFTER_WEBHOOK: the success SMS of a verification waits for the product's 2xx. */
  holdSuccessSms: boolean;
}

// In the order they happened: a retried event still goes before the ones written after it.
const WEBHOOK_CLAIM = {
  columns: ["id", "webhook_id", "payload", "attempts", "give_up_at"],
  due: ["pending"],
  orderBy: "id",
} as const satisfies Claim<"product_webhooks", keyof Selectable<ProductWebhooksTable>>;

/**
 * The product's events in the database: written inside the transaction of the turn (or erasure) that caused them,
 * so an event is owed exactly when its cause was saved.
 */
export class WebhookOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: WebhookOutboxOptions,
  ) {}

  /** Inside a turn's transaction, after its rows: a verification, or an operator's reset of a verified person. */
  async afterTurn(trx: Transaction<Database>, turn: Turn): Promise<void> {
    for (const effect of turn.effects) {
      if (effect.type !== "verified") continue;
      const id = await this.enqueue(trx, {
        type: "signup.verified",
        phone: effect.phone,
        email: effect.email,
        at: effect.at,
        // email_verified: the address was proven by a code (EMAIL_VERIFICATION=code), not only typed.
        data: { verified_at: new Date(effect.at).toISOString(), email_verified: effect.emailVerified },
      });
      if (this.options.holdSuccessSms) await this.holdSuccessSms(trx, turn, id);
    }
    const reset = turn.transitions.find((t) => t.from === "verified" && t.event.startsWith("RESET"));
    if (reset) {
      const user = await this.verifiedUser(trx, turn.phone);
      if (user) {
        await this.enqueue(trx, {
          type: "signup.reset",
          phone: turn.phone,
          email: user.email,
          at: turn.at,
          data: { by: reset.event.replace(/^RESET by /, "") },
        });
      }
    }
  }

  /**
   * Inside an erasure's transaction, before the rows go: the product must forget a verified person too. Earlier
   * events of the phone go with the rest; the erasure's own event keeps the phone only until it is delivered.
   */
  async beforeErase(trx: Transaction<Database>, phone: string, at: number, operator: string): Promise<void> {
    const user = await this.verifiedUser(trx, phone);
    await trx.deleteFrom("product_webhooks").where("phone", "=", phone).execute();
    if (user) await this.enqueue(trx, { type: "signup.erased", phone, email: user.email, at, data: { by: operator } });
  }

  nextDueAt(): Promise<number | null> {
    return nextDueAt(this.db, "product_webhooks", WEBHOOK_CLAIM.due);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<DueWebhook[]> {
    const claimed = await claimLeased(this.db, "product_webhooks", WEBHOOK_CLAIM, now, limit, leaseMs);
    return claimed.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      payload: row.payload,
      attempts: row.attempts,
      giveUpAt: Number(row.give_up_at),
    }));
  }

  /** Delivered: a success SMS that waited for it is released to the SMS outbox. True when one was. */
  async markDelivered(id: number, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("product_webhooks")
        .set((eb) => ({
          status: "delivered",
          attempts: eb("attempts", "+", 1),
          next_attempt_at: null,
          last_error: null,
          delivered_at: now,
          updated_at: now,
        }))
        .where("id", "=", id)
        .returning(["type", "phone", "held_message_id"])
        .executeTakeFirst();
      if (row?.type === "signup.erased") {
        // Told: nothing of the erased person need stay.
        await trx
          .updateTable("product_webhooks")
          .set({ phone: maskPhone(row.phone), payload: "{}" })
          .where("id", "=", id)
          .execute();
      }
      if (row?.held_message_id == null) return false;
      const released = await trx
        .updateTable("messages")
        .set({ status: "pending", next_attempt_at: now, updated_at: now })
        .where("id", "=", row.held_message_id)
        .where("status", "=", "held")
        .executeTakeFirst();
      return Number(released.numUpdatedRows) > 0;
    });
  }

  markRetry(id: number, error: string, nextAttemptAt: number, now: number): Promise<void> {
    return recordAttempt(this.db, "product_webhooks", id, { last_error: error, next_attempt_at: nextAttemptAt }, now);
  }

  markFailed(id: number, error: string, now: number): Promise<void> {
    const values = { status: "failed" as const, last_error: error, next_attempt_at: null };
    return recordAttempt(this.db, "product_webhooks", id, values, now);
  }

  /** An operator's "send again" of a failed event: same webhook-id, a fresh time budget. False if not failed. */
  async resend(webhookId: string, now: number): Promise<boolean> {
    const updated = await this.db
      .updateTable("product_webhooks")
      .set({ status: "pending", next_attempt_at: now, give_up_at: now + this.options.giveUpAfterMs, updated_at: now })
      .where("webhook_id", "=", webhookId)
      .where("status", "=", "failed")
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async list(filter: { status?: WebhookRow["status"]; limit: number }): Promise<WebhookRow[]> {
    let query = this.db.selectFrom("product_webhooks").selectAll().orderBy("id", "desc").limit(filter.limit);
    if (filter.status) query = query.where("status", "=", filter.status);
    return (await query.execute()).map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      type: row.type,
      phone: row.phone,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
      createdAt: Number(row.created_at),
      deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
    }));
  }

  /** Events still owed: how many, and since when (what the outbox-stuck alert watches). */
  backlog(): Promise<{ depth: number; oldestAt: number | null }> {
    return backlog(this.db, "product_webhooks", WEBHOOK_CLAIM.due);
  }

  private async enqueue(trx: Transaction<Database>, event: ProductEvent): Promise<number> {
    const row = await trx
      .insertInto("product_webhooks")
      .values({
        webhook_id: newWebhookId(),
        phone: event.phone,
        type: event.type,
        payload: webhookPayload(event),
        status: "pending",
        next_attempt_at: event.at,
        give_up_at: event.at + this.options.giveUpAfterMs,
        last_error: null,
        held_message_id: null,
        created_at: event.at,
        updated_at: event.at,
        delivered_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** The turn's success SMS stays out of the SMS outbox ("held") until the product answered 2xx. */
  private async holdSuccessSms(trx: Transaction<Database>, turn: Turn, webhookRowId: number): Promise<void> {
    const sms = await trx
      .selectFrom("messages")
      .select("id")
      .where("phone", "=", turn.phone)
      .where("channel", "=", "api")
      .where("status", "=", "pending")
      .where("created_at", "=", turn.at)
      .orderBy("id", "desc")
      .executeTakeFirst();
    if (!sms) return;
    await trx.updateTable("messages").set({ status: "held", next_attempt_at: null }).where("id", "=", sms.id).execute();
    await trx.updateTable("product_webhooks").set({ held_message_id: sms.id }).where("id", "=", webhookRowId).execute();
  }

  private verifiedUser(trx: Transaction<Database>, phone: string) {
    return trx
      .selectFrom("users")
      .select("email")
      .where("phone", "=", phone)
      .where("verified_at", "is not", null)
      .executeTakeFirst();
  }
}
