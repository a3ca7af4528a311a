import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { d1MigrationFiles } from "./d1-migrations.js";
import { migrateToLatest } from "./migrations.js";

const DIR = join(import.meta.dirname, "migrations-d1");

/** The schema as SQLite reports it, without the migrators' own bookkeeping tables. */
function schemaOf(sqlite: SqliteDatabase.Database): { type: string; name: string; sql: string }[] {
  return sqlite
    .prepare(
      // conversation_search: the operators' trigram index, made on Node's SQLite only (not by a migration).
      "select type, name, sql from sqlite_master where name not like 'kysely_%' and name not like 'sqlite_%' and name not like 'conversation_search%' order by name",
    )
    .all() as { type: string; name: string; sql: string }[];
}

describe("D1 migrations", () => {
  it("are the files `npm run migrations:d1` writes from src/store/migrations.ts (run it after changing a migration)", async () => {
    const generated = await d1MigrationFiles();
    expect(readdirSync(DIR).sort()).toEqual(generated.map((file) => file.name));
    for (const file of generated) expect(readFileSync(join(DIR, file.name), "utf8")).toBe(file.sql);
  });

  it("build on SQLite exactly the schema Node's migrations build", async () => {
    const fromFiles = new SqliteDatabase(":memory:");
    for (const name of readdirSync(DIR).sort()) fromFiles.exec(readFileSync(join(DIR, name), "utf8"));

    const fromNode = new SqliteDatabase(":memory:");
    const db = new Kysely({ dialect: new SqliteDialect({ database: fromNode }) });
    await migrateToLatest(db, "sqlite");

    const schema = schemaOf(fromFiles);
    expect(schema.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["conversations", "messages", "transitions", "users", "webhook_claims", "erasures"]),
    );
    expect(schema).toEqual(schemaOf(fromNode));
    await db.destroy();
    fromFiles.close();
  });
});
