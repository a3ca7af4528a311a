import pg from "pg";
import { tempDatabaseUrl } from "./service.js";

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Postgres runs on CI and the team's machines; elsewhere its tests skip with a warning (never silently on CI). */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL is required on CI at ${POSTGRES_URL}: ${String(error)}`);
    console.warn(`PostgreSQL tests skipped: nothing answers at ${POSTGRES_URL} (${String(error)})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh database per call, so test files never see each other's rows. (A schema per test is not enough: Kysely's
 * migrator looks for its own tables in every schema and would skip creating them.)
 */
export async function freshPostgresUrl(): Promise<string> {
  const name = `${runDatabasePrefix()}${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  created.push(name);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const created: string[] = [];

/**
 * Names that belong to this test run only (global-setup picks the run's id): another run on the same server (a
 * second checkout, another developer) keeps its databases, and its connections, until it drops them itself.
 */
export function runDatabasePrefix(): string {
  process.env.TEST_RUN_ID ??= Math.random().toString(36).slice(2, 8);
  return `sms_signup_t_${process.env.TEST_RUN_ID}_`;
}

/** Drops the databases this process made (call after every service on them has stopped). */
export async function dropPostgresDatabases(): Promise<void> {
  if (created.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  for (const name of created.splice(0)) await client.query(`drop database if exists ${name} with (force)`);
  await client.end();
}

export const sqliteUrl = tempDatabaseUrl;
