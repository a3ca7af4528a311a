import type { Kysely } from "kysely";
import { backlog } from "../store/leased-rows.js";
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
  return [
    { outbox: "sms", ...(await backlog(db, "messages", OUTBOX_DUE)) },
    { outbox: "webhook", ...(await backlog(db, "product_webhooks", ["pending"])) },
  ];
}
