import type { OutboxMessage } from "../conversation/ports.js";
import { KyselyOutboxStore, toOutboxMessage } from "../store/outbox-store.js";

/** The outbox on D1: claiming due messages is one statement there, since D1 has no interactive transactions. */
export class D1OutboxStore extends KyselyOutboxStore {
  override async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    // Pushing the due time forward is the lease, taken by the statement that finds the due rows.
    const claimed = await this.db
      .updateTable("messages")
      .set({ next_attempt_at: now + leaseMs })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("messages")
          .select("id")
          .where("status", "=", "pending")
          .where("next_attempt_at", "<=", now)
          .orderBy("next_attempt_at")
          .limit(limit),
      )
      .returning(["id", "phone", "body", "attempts", "medium"])
      .execute();
    return claimed.map(toOutboxMessage);
  }
}
