import type { OutboxMessage } from "../conversation/ports.js";
import { KyselyOutboxStore } from "../store/outbox-store.js";

/** The outbox on D1, which has no interactive transactions: the claims' compare-and-set stands on its own there. */
export class D1OutboxStore extends KyselyOutboxStore {
  override claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.claimDueIn(this.db, now, limit, leaseMs);
  }
}
