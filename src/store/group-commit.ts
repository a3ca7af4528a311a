import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/** What one unit of work writes in the shared transaction; it throws to undo its own writes and no one else's. */
export type UnitWrites = (trx: Transaction<Database>) => Promise<void>;

const SAVEPOINT = CompiledQuery.raw("savepoint unit");
const ROLLBACK_TO_SAVEPOINT = CompiledQuery.raw("rollback to unit");
const RELEASE_SAVEPOINT = CompiledQuery.raw("release unit");

interface Waiting {
  writes: UnitWrites;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a database one process owns (SQLite): the units of work that finish while the event loop handles
 * one batch of I/O commit together, in one transaction, each inside a savepoint of its own. A commit costs far more
 * than the statements of a turn (SQLite writes every page a transaction dirtied to the WAL, one write call each, and
 * the turns of different phones dirty the same pages of the same tables and indexes); under load, N turns now pay
 * for one commit. Each unit is still all or nothing: a unit that throws (a stale save) is rolled back to its
 * savepoint and fails alone, and a unit's promise settles only once its writes are committed.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Resolves once `writes` is committed; rejects with what it threw, or with the commit's own failure. */
  commit(writes: UnitWrites): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ writes, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this turn of the event loop: the units they finish join this group.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    const failures = new Map<Waiting, unknown>();
    try {
      await this.db.transaction().execute(async (trx) => {
        if (group.length === 1 && group[0]) {
          // Alone, the transaction is the unit's: its failure rolls back the transaction, no savepoint needed.
          await group[0].writes(trx);
          return;
        }
        for (const unit of group) {
          await trx.executeQuery(SAVEPOINT);
          try {
            await unit.writes(trx);
          } catch (error) {
            failures.set(unit, error);
            await trx.executeQuery(ROLLBACK_TO_SAVEPOINT);
          }
          await trx.executeQuery(RELEASE_SAVEPOINT);
        }
      });
    } catch (error) {
      for (const unit of group) unit.reject(failures.has(unit) ? failures.get(unit) : error);
      return;
    }
    for (const unit of group) {
      if (failures.has(unit)) unit.reject(failures.get(unit));
      else unit.resolve();
    }
  }
}
