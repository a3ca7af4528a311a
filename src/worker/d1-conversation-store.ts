import { type Kysely, sql } from "kysely";
import { maskPhone } from "../conversation/mask.js";
import {
  type ConversationStore,
  type ConversationUnitOfWork,
  type ErasureCounts,
  type Refusal,
  StaleConversationError,
} from "../conversation/ports.js";
import { QueuedUnitOfWork, type Write } from "../store/conversation-store.js";
import type { Database } from "../store/schema.js";

// SQLite cannot raise an error from a plain statement, but json() of something that is not JSON fails: placed right
// after the conversation's save, this fails the batch (and so rolls all of it back) when the save changed no row.
const STALE = "malformed JSON";
const staleGuard = sql`select json(case when changes() = 0 then 'stale' else '[]' end)`;

const ERASED_TABLES = ["messages", "transitions", "users", "webhook_claims", "conversations", "email_outbox"] as const;

/**
 * The conversation's storage on D1, which has no interactive transactions: a unit of work reads as it goes and
 * sends its writes as one batch at its end (a batch is atomic). No other writer races the reads: the phone's
 * Durable Object runs its units of work one at a time.
 */
export class D1ConversationStore implements ConversationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly d1: D1Database,
  ) {}

  async unitOfWork<T>(_phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    const unit = new QueuedUnitOfWork(this.db);
    const result = await work(unit);
    await this.batchOf(unit);
    return result;
  }

  async recordRefused(refusal: Refusal): Promise<string[]> {
    const unit = new QueuedUnitOfWork(this.db);
    const replies = await unit.refuse(refusal);
    await this.batchOf(unit);
    return replies;
  }

  /** A unit's writes as one batch, a stale guard right after the conversation's save. */
  private async batchOf(unit: QueuedUnitOfWork): Promise<void> {
    const guard = { compile: () => staleGuard.compile(this.db) };
    try {
      await this.batch(
        unit.writes.flatMap(({ write, savesPhone }) => (savesPhone === null ? [write] : [write, guard])),
      );
    } catch (error) {
      const stale = unit.writes.find((queued) => queued.savesPhone !== null)?.savesPhone;
      if (stale && String(error).includes(STALE)) throw new StaleConversationError(stale);
      throw error;
    }
  }

  async erase(phone: string, operator: string, at: number): Promise<ErasureCounts> {
    // The record of the erasure counts the rows in the batch that removes them, just before it does.
    const counted = (table: (typeof ERASED_TABLES)[number]) =>
      sql`(select count(*) from ${sql.table(table)} where phone = ${phone})`;
    const record = this.db.insertInto("erasures").values({
      phone_hint: maskPhone(phone),
      operator,
      erased_at: at,
      removed: sql<string>`json_object('messages', ${counted("messages")}, 'transitions', ${counted("transitions")},
        'users', ${counted("users")}, 'webhookClaims', ${counted("webhook_claims")},
        'conversations', ${counted("conversations")}, 'emails', ${counted("email_outbox")})`,
    });
    const results = await this.batch([
      record,
      ...ERASED_TABLES.map((table) => this.db.deleteFrom(table).where("phone", "=", phone)),
    ]);
    const removed = (i: number) => results[i + 1]?.meta.changes ?? 0;
    return {
      messages: removed(0),
      transitions: removed(1),
      users: removed(2),
      webhookClaims: removed(3),
      conversations: removed(4),
      emails: removed(5),
    };
  }

  private batch(writes: Pick<Write, "compile">[]) {
    if (writes.length === 0) return Promise.resolve([]);
    return this.d1.batch(
      writes.map((write) => {
        const query = write.compile();
        return this.d1.prepare(query.sql).bind(...query.parameters);
      }),
    );
  }
}
