import pg from "pg";
import { postgresAvailable, runDatabasePrefix } from "./databases.js";

/** TEST_DATABASE=postgres needs a server; without one (a newcomer's laptop) those runs fall back to SQLite. */
export async function setup(): Promise<void> {
  runDatabasePrefix(); // fixes this run's id in the environment every test process inherits
  if (process.env.TEST_DATABASE === "postgres" && !(await postgresAvailable())) process.env.TEST_DATABASE = "sqlite";
}

/** Drops the Postgres databases this run's tests made, once every test file is done with them. */
export async function teardown(): Promise<void> {
  const url = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where starts_with(datname, $1)",
      [runDatabasePrefix()],
    );
    for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
  } catch {
    // No Postgres here: nothing was made.
  } finally {
    await client.end().catch(() => undefined);
  }
}
