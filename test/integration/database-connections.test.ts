import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/node-database.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)("PostgreSQL connections that the server ends", () => {
  afterAll(dropPostgresDatabases);

  it("an idle pooled connection terminated by the server is reported, not thrown, and the next query reconnects", async () => {
    const url = await freshPostgresUrl();
    const lost: Error[] = [];
    const { db } = openDatabase(url, { onConnectionError: (error) => lost.push(error) });
    try {
      await sql`select 1`.execute(db); // leaves one idle client in the pool
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
      await admin.end();
      await expect.poll(() => lost.length).toBeGreaterThan(0);
      expect(lost[0]?.message).toMatch(/terminating connection/);
      const { rows } = await sql<{ n: number }>`select 41 + 1 as n`.execute(db);
      expect(rows[0]?.n).toBe(42);
    } finally {
      await db.destroy();
    }
  });

  it("a connection handed back still holding a phone's session lock (its unlock failed) is closed, not pooled", async () => {
    const url = await freshPostgresUrl();
    const reported: Error[] = [];
    const { db, sideDb } = openDatabase(url, { onConnectionError: (error) => reported.push(error) });
    // The statements the PostgreSQL serializer sends to hold a phone past a commit and to let go of it.
    const lock = (phone: string) => sql`select pg_advisory_lock(${0x5_3d5}, hashtext(${phone}))`;
    const unlock = (key: unknown, phone: string) => sql`select pg_advisory_unlock(${key}, hashtext(${phone}))`;
    const backend = async (connection: typeof db) =>
      (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection)).rows[0]?.pid;
    const advisoryLocksOf = async (pid: number | undefined) =>
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*) as n from pg_locks where locktype = 'advisory' and pid = ${pid}`.execute(sideDb)
        ).rows[0]?.n,
      );
    try {
      // Unlocked as it should be: the connection goes back to the pool and serves the next turn.
      const first = await db.connection().execute(async (connection) => {
        await lock("+14155550001").execute(connection);
        await unlock(0x5_3d5, "+14155550001").execute(connection);
        return backend(connection);
      });
      expect(await db.connection().execute(backend)).toBe(first);
      expect(reported).toEqual([]);

      // The unlock fails (here: a key PostgreSQL cannot read): the connection, and its lock, must not be kept.
      const holder = await db.connection().execute(async (connection) => {
        await lock("+14155550002").execute(connection);
        await expect(unlock("not a key", "+14155550002").execute(connection)).rejects.toThrow();
        return backend(connection);
      });
      expect(holder).toBe(first);
      await expect.poll(() => advisoryLocksOf(holder)).toBe(0);
      expect(await db.connection().execute(backend)).not.toBe(holder);
      expect(reported.map((error) => error.message)).toEqual([
        "a connection still holding a phone's lock was closed, not pooled",
      ]);
      // The phone is free for anyone.
      const taken = await sql<{
        ok: boolean;
      }>`select pg_try_advisory_lock(${0x5_3d5}, hashtext(${"+14155550002"})) as ok`.execute(sideDb);
      expect(taken.rows[0]?.ok).toBe(true);
    } finally {
      await db.destroy();
      await sideDb.destroy();
    }
  });
});
