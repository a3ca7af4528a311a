import type { Kysely } from "kysely";
import { OUTBOX_DUE } from "../store/outbox-store.js";
import type { Database } from "../store/schema.js";

export interface Backlog {
  /** "sms" (the success SMS) or "webhook" (the product's events). */
  outbox: string;
  depth: number;
  /** When the oldest message still owed was written; null when none is. */
  oldestAt: number | null;
}

/** What each outbox still owes, read at scrape time so that every instance reports the shared database's truth. */
export async function outboxBacklog(db: Kysely<Database>): Promise<Backlog[]> {
  const sms = await db
    .selectFrom("messages")
    .select((eb) => [eb.fn.countAll<number>().as("depth"), eb.fn.min("created_at").as("oldest")])
    .where("status", "in", OUTBOX_DUE)
    .executeTakeFirst();
  const webhooks = await db
    .selectFrom("product_webhooks")
    .select((eb) => [eb.fn.countAll<number>().as("depth"), eb.fn.min("created_at").as("oldest")])
    .where("status", "=", "pending")
    .executeTakeFirst();
  const backlog = (outbox: string, row: { depth: number; oldest: unknown } | undefined): Backlog => ({
    outbox,
    depth: Number(row?.depth ?? 0),
    oldestAt: row?.oldest == null ? null : Number(row.oldest),
  });
  return [backlog("sms", sms), backlog("webhook", webhooks)];
}
