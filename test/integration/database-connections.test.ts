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
});
