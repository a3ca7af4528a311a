import type { OutboxMessage } from "../conversation/ports.js";
import { KyselyOutboxStore, OUTBOX_COLUMNS, OUTBOX_DUE, toOutboxMessage } from "../store/outbox-store.js";

/** The outbox on D1: claiming due messages is one statement there, since D1 has no interactive transactions. */
export class D1OutboxStore extends KyselyOutboxStore {
  override async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    // No interactive transactions on D1: each claim is a compare-and-set on the row's status and due time, so two
    // senders never both take a row.
    const due = await this.db
      .selectFrom("messages")
      .select(OUTBOX_COLUMNS)
      .where("status", "in", OUTBOX_DUE)
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    const claimed: OutboxMessage[] = [];
    for (const message of due) {
      const taken = await this.db
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
}
