import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";
import { migrateToLatest } from "./migrations.js";
import { type OpenDatabase, openDatabase } from "./node-database.js";

describe("GroupCommit on a SQLite file", () => {
  let database: OpenDatabase;
  let group: GroupCommit;
  const statements: string[] = [];

  beforeEach(async () => {
    database = openDatabase(`file:${join(mkdtempSync(join(tmpdir(), "group-commit-")), "db.sqlite")}`, {
      onQuery: (sql) => statements.push(sql.trim().toLowerCase()),
    });
    await migrateToLatest(database.db, database.dialect);
    group = new GroupCommit(database.db);
    statements.length = 0;
  });
  afterEach(() => database.db.destroy());

  const claim = (sid: string) => async (trx: Parameters<Parameters<GroupCommit["commit"]>[0]>[0]) => {
    await trx
      .insertInto("webhook_claims")
      .values({ message_sid: sid, phone: "+14155550101", status: "done", replies: "[]", claimed_at: 1 })
      .execute();
  };
  const claims = async () =>
    (await database.db.selectFrom("webhook_claims").select("message_sid").orderBy("message_sid").execute()).map(
      (row) => row.message_sid,
    );
  const commits = () => statements.filter((sql) => sql === "commit").length;

  it("commits the units that end in the same turn of the event loop together, in one transaction", async () => {
    await Promise.all([group.commit(claim("SM1")), group.commit(claim("SM2")), group.commit(claim("SM3"))]);
    expect(await claims()).toEqual(["SM1", "SM2", "SM3"]);
    expect(commits()).toBe(1);
  });

  it("a unit that ends later commits in a transaction of its own", async () => {
    await group.commit(claim("SM1"));
    await group.commit(claim("SM2"));
    expect(commits()).toBe(2);
    expect(statements.some((sql) => sql.startsWith("savepoint"))).toBe(false); // alone: no savepoint needed
  });

  it("a unit that fails is undone alone: the others' writes are committed, and only its promise rejects", async () => {
    const failing = group.commit(async (trx) => {
      await claim("SM2")(trx);
      throw new Error("stale save");
    });
    const outcomes = await Promise.allSettled([group.commit(claim("SM1")), failing, group.commit(claim("SM3"))]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error("stale save"));
    expect(await claims()).toEqual(["SM1", "SM3"]);
    expect(commits()).toBe(1);
  });

  it("a unit alone that fails rolls back its transaction", async () => {
    await expect(
      group.commit(async (trx) => {
        await claim("SM1")(trx);
        throw new Error("stale save");
      }),
    ).rejects.toThrow("stale save");
    expect(await claims()).toEqual([]);
    expect(commits()).toBe(0);
  });

  it("settles a unit only once its group is committed, and fails every unit when the commit itself fails", async () => {
    let settledBeforeCommit = false;
    const first = group.commit(claim("SM1")).then(() => {
      settledBeforeCommit = commits() === 0;
    });
    await first;
    expect(settledBeforeCommit).toBe(false);

    // The same MessageSid twice in one group: the second unit fails alone, by the primary key.
    const duplicate = await Promise.allSettled([group.commit(claim("SM9")), group.commit(claim("SM9"))]);
    expect(duplicate.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected"]);

    await database.db.destroy();
    const closed = await Promise.allSettled([group.commit(claim("SM4")), group.commit(claim("SM5"))]);
    expect(closed.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
    database = openDatabase(`file:${join(mkdtempSync(join(tmpdir(), "group-commit-")), "db.sqlite")}`);
  });
});
