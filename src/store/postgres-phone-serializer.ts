import { type Kysely, type PostgresPool, type PostgresPoolClient, sql, type Transaction } from "kysely";
import type pg from "pg";
import type { KeyedLock } from "../conversation/keyed-lock.js";
import { QueuedPhoneSerializer } from "../conversation/phone-serializer.js";
import type { ConversationStore } from "../conversation/ports.js";
import { type DatabasePhoneLock, KyselyConversationStore, type TransactionHooks } from "./conversation-store.js";
import type { Database } from "./schema.js";

/** The advisory lock space of this service's phones (the first key of PostgreSQL's two-key form). */
const PHONE_LOCKS = 0x5_3d5; // "sms"

/** How the statements that take and let go of a session-level phone lock begin, as Kysely sends them. */
const LOCK_SQL = "select pg_advisory_lock(";
const UNLOCK_SQL = "select pg_advisory_unlock(";

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
    try {
      await sql`select pg_advisory_unlock(${PHONE_LOCKS}, hashtext(${phone}))`.execute(connection);
      this.held = false;
    } catch {
      // The turn has committed: its answer stands. The lock goes with the connection, which the pool closes
      // instead of keeping (poolReleasingPhoneLocks), and the next turn of this phone waits for nothing.
    }
  }
}

/**
 * The pool under the service's Kysely on PostgreSQL: a connection handed back while it still holds a phone's
 * session-level lock (its unlock failed, or never ran) is closed instead of pooled, since a pooled one would keep
 * the phone locked for as long as the process lives. It counts the locks its connections take and let go.
 */
export function poolReleasingPhoneLocks(pool: pg.Pool, onClosedHoldingLock: () => void): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let held = 0;
    return {
      query: ((text: string | pg.Submittable, values?: unknown[]) => {
        if (typeof text !== "string") return client.query(text); // a cursor: no lock is taken through one
        return client.query(text, values).then((result) => {
          if (text.startsWith(LOCK_SQL)) held += 1;
          else if (text.startsWith(UNLOCK_SQL)) held = Math.max(0, held - 1);
          return result;
        });
      }) as unknown as PostgresPoolClient["query"],
      release: (destroy?: boolean) => {
        const holding = held > 0;
        held = 0;
        client.release(destroy || holding);
        if (holding) onClosedHoldingLock();
      },
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let facade = wrapped.get(client);
      if (!facade) {
        facade = wrap(client);
        wrapped.set(client, facade);
      }
      return facade;
    },
    end: () => pool.end(),
  };
}
