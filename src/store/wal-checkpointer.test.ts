import { execFileSync } from "node:child_process";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./node-database.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

const tempPath = () => join(mkdtempSync(join(tmpdir(), "wal-checkpointer-")), "db.sqlite");
const sizeOf = (path: string) => statSync(path).size;

/** Writes about 8 MB through `sqlite`, a page-sized row per insert, in commits of a hundred rows. */
function writeMegabytes(sqlite: SqliteDatabase.Database) {
  sqlite.exec("create table if not exists filler (id integer primary key, body text)");
  const insert = sqlite.prepare("insert into filler (body) values (?)");
  const batch = sqlite.transaction(() => {
    for (let i = 0; i < 100; i += 1) insert.run("x".repeat(4_000));
  });
  for (let i = 0; i < 20; i += 1) batch();
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("not within the time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("WalCheckpointer", () => {
  it("serves the database the service opens: its commits never checkpoint, the worker copies the WAL back", async () => {
    const path = tempPath();
    const { db } = openDatabase(`file:${path}`);
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      expect(rows).toEqual([{ wal_autocheckpoint: 0 }]);
      await sql`create table filler (id integer primary key, body text)`.execute(db);
      const before = sizeOf(path);
      for (let i = 0; i < 20; i += 1) {
        await db.transaction().execute(async (trx) => {
          for (let r = 0; r < 100; r += 1)
            await sql`insert into filler (body) values (${"x".repeat(4_000)})`.execute(trx);
        });
      }
      await eventually(() => sizeOf(path) > before + 7_000_000);
    } finally {
      await db.destroy();
    }
  });

  it("turns SQLite's own checkpoints off on the connection it serves, and stops with the database", async () => {
    const path = tempPath();
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    const checkpointer = WalCheckpointer.start(sqlite, path, () => {});
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    writeMegabytes(sqlite);
    await eventually(() => sizeOf(path) > 7_000_000);
    await checkpointer.stop();
    await checkpointer.stop(); // twice is harmless: a database closed after a failed start stops it again
    sqlite.close();
  });

  it("gives checkpoints back to the commits when its worker cannot run, so the WAL never grows without end", async () => {
    const path = tempPath();
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    const errors: Error[] = [];
    const checkpointer = WalCheckpointer.start(sqlite, path, (error) => errors.push(error), "/nowhere/better-sqlite3");
    await eventually(() => errors.length > 0);
    expect(errors[0]?.message).toMatch(/Cannot find module/);
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1_000);
    await checkpointer.stop();
    sqlite.close();
  });

  it("lets a script that closes its database finish what follows (its worker is waited for, not left behind)", () => {
    const dir = mkdtempSync(join(tmpdir(), "wal-checkpointer-script-"));
    const script = join(dir, "script.mjs");
    writeFileSync(
      script,
      `import { migrateToLatest } from ${JSON.stringify(join(import.meta.dirname, "migrations.ts"))};
      import { openDatabase } from ${JSON.stringify(join(import.meta.dirname, "node-database.ts"))};
      const { db, dialect } = openDatabase("file:${join(dir, "db.sqlite")}");
      await migrateToLatest(db, dialect);
      await db.destroy();
      console.log("closed");`,
    );
    expect(execFileSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" }).trim()).toBe("closed");
  });
});
