// Kysely's SQLite dialect with the three things a webhook at the speed of its database needs from better-sqlite3.
import type BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from "kysely";

/** Statements a process keeps prepared; the hot path uses about twenty, the operators' filters a few dozen more. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * 1. Every statement is prepared once and reused (better-sqlite3's `prepare` was 7% of a turn's CPU).
 * 2. Transactions begin IMMEDIATE: the write lock is taken at the start, so a transaction that reads and then
 *    writes never meets SQLITE_BUSY half-way (another connection on the file commits in between).
 * 3. Waiters for the one connection queue first come, first served (Kysely's own mutex wakes every waiter on each
 *    release).
 */
export class CachingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    /** Runs before the connection closes (the WAL checkpointer stops). */
    private readonly beforeClose: () => Promise<void> | void = () => {},
  ) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new CachingSqliteDriver(this.sqlite, this.beforeClose);
  }
}

class CachingSqliteDriver implements Driver {
  private readonly connection: CachingSqliteConnection;
  private readonly waiters: (() => void)[] = [];
  private busy = false;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly beforeClose: () => Promise<void> | void,
  ) {
    this.connection = new CachingSqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(this.connection);
    }
    return new Promise((resolve) => this.waiters.push(() => resolve(this.connection)));
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async destroy(): Promise<void> {
    await this.beforeClose();
    this.sqlite.close();
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  // biome-ignore lint/correctness/useYield: streaming is not used; Kysely's interface requires the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on SQLite here");
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      // Plain eviction: a workload past the cache's size (ad-hoc operator filters) simply prepares again.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.sqlite.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
