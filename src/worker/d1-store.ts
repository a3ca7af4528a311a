import { type Kysely, sql } from "kysely";
import { maskPhone } from "../conversation/mask.js";
import { type ErasureCounts, StaleConversationError, type Turn } from "../conversation/ports.js";
import { KyselyStore, turnWrites, type Write } from "../store/kysely-store.js";
import type { Database } from "../store/schema.js";

// SQLite cannot raise an error from a plain statement, but json() of something that is not JSON fails: placed right
// after the conversation's update, this fails the batch (and so rolls it back) when that update matched no row.
const STALE_GUARD = "malformed JSON";
const staleGuard = sql`select json(case when changes() = 0 then 'stale' else '[]' end)`;

const ERASED_TABLES = ["messages", "transitions", "users", "webhook_claims", "conversations"] as const;

/**
 * The store on D1, which has no interactive transactions: what SQLite and Postgres write in one transaction is one
 * D1 batch here (a batch is atomic: any failed statement rolls back all of it).
 */
export class D1Store extends KyselyStore {
  constructor(
    db: Kysely<Database>,
    private readonly d1: D1Database,
  ) {
    super(db);
  }

  override async saveTurn(turn: Turn): Promise<void> {
    const { update, then } = turnWrites(this.db, turn);
    try {
      await this.batch([update, { compile: () => staleGuard.compile(this.db), execute: async () => {} }, ...then]);
    } catch (error) {
      if (String(error).includes(STALE_GUARD)) throw new StaleConversationError(turn.phone);
      throw error;
    }
  }

  override async erase(phone: string, operator: string, at: number): Promise<ErasureCounts> {
    // The record of the erasure counts the rows in the same batch that removes them, before it does.
    const counted = (table: (typeof ERASED_TABLES)[number]) =>
      sql`(select count(*) from ${sql.table(table)} where phone = ${phone})`;
    const record = this.db.insertInto("erasures").values({
      phone_hint: maskPhone(phone),
      operator,
      erased_at: at,
      removed: sql<string>`json_object('messages', ${counted("messages")}, 'transitions', ${counted("transitions")},
        'users', ${counted("users")}, 'webhookClaims', ${counted("webhook_claims")},
        'conversations', ${counted("conversations")})`,
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
    };
  }

  private batch(writes: Pick<Write, "compile">[]) {
    return this.d1.batch(
      writes.map((write) => {
        const query = write.compile();
        return this.d1.prepare(query.sql).bind(...query.parameters);
      }),
    );
  }
}
