// Opens the database DATABASE_URL names, on Node: better-sqlite3 for `file:`, node-postgres for `postgres://`.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, type LogEvent, PostgresDialect } from "kysely";
import pg from "pg";
import { KeyedLock } from "../conversation/keyed-lock.js";
import { PHONE_BACKLOG } from "../conversation/phone-serializer.js";
import type { SqlDialectName } from "./migrations.js";
import { poolReleasingPhoneLocks } from "./postgres-phone-serializer.js";
import type { Database } from "./schema.js";
import { CachingSqliteDialect } from "./sqlite-driver.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** The in-process queue of turns per phone for this database (composeService's `phoneQueue`). */
  phoneQueue: KeyedLock;
  /**
   * For work done during a provider call, while the turn holds its own connection (the send guard's counting):
   * on PostgreSQL a small pool of its own, so that ten turns holding the main pool cannot starve it; on SQLite `db`.
   */
  sideDb: Kysely<Database>;
}

/**
 * One queue per SQLite file in this process: a SQLite file is owned by one process, and two services in it on one
 * file (tests do this) must serialize a phone's turns together.
 */
const sqliteQueues = new Map<string, KeyedLock>();

// bigint columns hold milliseconds, far below 2^53: read them as numbers, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface OpenDatabaseOptions {
  /**
   * A pooled connection the server ended (a restart, a failover, pg_terminate_backend), idle or checked out. The pool
   * drops it and the next query opens a new one; without a listener, node-postgres would throw it and end the process.
   */
  onConnectionError?: (error: Error) => void;
  /** Sees the SQL of every statement run, transaction control included (tests count commits with it). */
  onQuery?: (sql: string) => void;
}

/** How long a query waits for a connection before it fails, so that a database that is away fails fast. */
const CONNECT_TIMEOUT_MS = 3_000;

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): OpenDatabase {
  if (url.startsWith("file:")) {
    const path = resolve(url.slice("file:".length));
    mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    // WAL lets readers (operators, a second process) work while a turn writes; busy_timeout waits out a writer.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("synchronous = NORMAL");
    const checkpointer = WalCheckpointer.start(sqlite, path, (error) => options.onConnectionError?.(error));
    let phoneQueue = sqliteQueues.get(path);
    if (!phoneQueue) {
      phoneQueue = new KeyedLock(PHONE_BACKLOG);
      sqliteQueues.set(path, phoneQueue);
    }
    const db = new Kysely<Database>({
      dialect: new CachingSqliteDialect(sqlite, () => checkpointer.stop()),
      log: queryLog(options),
    });
    return { db, dialect: "sqlite", phoneQueue, sideDb: db };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const postgres = (max: number) => {
      const pool = new pg.Pool({
        connectionString: url,
        max,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        // A server that vanished without closing the socket (a host or network failure) is noticed, not waited on.
        keepAlive: true,
      });
      pool.on("error", (error) => options.onConnectionError?.(error));
      // A connection that dies while checked out between two queries (a turn holding its phone's lock across a
      // provider call) emits on the client, where the pool does not listen: heard here, it fails the turn's next
      // query instead of ending the process.
      pool.on("connect", (client) => client.on("error", (error) => options.onConnectionError?.(error)));
      const guarded = poolReleasingPhoneLocks(pool, () =>
        options.onConnectionError?.(new Error("a connection still holding a phone's lock was closed, not pooled")),
      );
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }), log: queryLog(options) });
    };
    return { db: postgres(10), dialect: "postgres", phoneQueue: new KeyedLock(PHONE_BACKLOG), sideDb: postgres(3) };
  }
  throw new Error(`DATABASE_URL must start with file: or postgres://, got "${url.split(":")[0]}:"`);
}

function queryLog({ onQuery }: OpenDatabaseOptions) {
  return onQuery ? (event: LogEvent) => onQuery(event.query.sql) : undefined;
}
