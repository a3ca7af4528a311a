import { type Kysely, sql, type Transaction } from "kysely";
import type { KeyedLock } from "../conversation/keyed-lock.js";
import { QueuedPhoneSerializer } from "../conversation/phone-serializer.js";
import type { ConversationStore } from "../conversation/ports.js";
import { type DatabasePhoneLock, KyselyConversationStore, type TransactionHooks } from "./conversation-store.js";
import type { Database } from "./schema.js";

/** The advisory lock space of this service's phones (the first key of PostgreSQL's two-key form). */
const PHONE_LOCKS = 0x5_3d5; // "sms"

/**
 * Turns of a phone one at a time across every process on one PostgreSQL database. Each unit of work takes the
 * phone's advisory lock as its first statement (`pg_advisory_xact_lock`: a waiter blocks in the server, no polling);
 * a turn that must commit before a provider call also takes the session-level lock on the same key before that
 * commit, and lets it go after the commit that saves the turn. A process that dies holding it loses its
 * connection, and with it the lock, at once: no lease to expire. Within the process, a phone's turns queue first
 * (bounded), so a flood of one phone waits here instead of holding pooled connections.
 */
export class PostgresPhoneSerializer extends QueuedPhoneSerializer {
  constructor(
    private readonly db: Kysely<Database>,
    queue: KeyedLock,
    private readonly hooks: TransactionHooks = {},
  ) {
    super(queue);
  }

  protected turn<T>(phone: string, task: (store: ConversationStore) => Promise<T>): Promise<T> {
    // One connection for the whole turn: the session-level lock belongs to it.
    return this.db.connection().execute(async (connection) => {
      const lock = new SessionPhoneLock();
      try {
        return await task(new KyselyConversationStore(connection, lock, this.hooks));
      } finally {
        await lock.release(connection, phone);
      }
    });
  }

  protected storeOutsideTurns(): ConversationStore {
    return new KyselyConversationStore(this.db, null, this.hooks);
  }
}

class SessionPhoneLock implements DatabasePhoneLock {
  private held = false;

  async takeInTransaction(trx: Transaction<Database>, phone: string): Promise<void> {
    if (this.held) return; // this session already holds it
    await sql`select pg_advisory_xact_lock(${PHONE_LOCKS}, hashtext(${phone}))`.execute(trx);
  }

  async holdPastCommit(trx: Transaction<Database>, phone: string): Promise<void> {
    if (this.held) return;
    await sql`select pg_advisory_lock(${PHONE_LOCKS}, hashtext(${phone}))`.execute(trx);
    this.held = true;
  }

  async release(connection: Kysely<Database>, phone: string): Promise<void> {
    if (!this.held) return;
    await sql`select pg_advisory_unlock(${PHONE_LOCKS}, hashtext(${phone}))`.execute(connection);
    this.held = false;
  }
}
