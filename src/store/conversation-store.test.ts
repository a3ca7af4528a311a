import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StaleConversationError, type Turn } from "../conversation/ports.js";
import { KyselyConversationStore } from "./conversation-store.js";
import { migrateToLatest } from "./migrations.js";
import { type OpenDatabase, openDatabase } from "./node-database.js";

const A = "+14155550101";
const B = "+14155550102";
let sids = 0;

/** A turn that moves `phone` to awaitingEmail, from `expectedRowVersion` (null: a new conversation). */
function turn(phone: string, expectedRowVersion: number | null): Turn {
  sids += 1;
  return {
    phone,
    messageSid: `SM${String(sids).padStart(32, "0")}`,
    expectedRowVersion,
    state: "awaitingEmail",
    snapshot: null,
    machineVersion: 3,
    optedOut: false,
    language: null,
    channel: "sms",
    at: Date.now(),
    inboundBody: "SIGNUP",
    replies: ["Welcome!"],
    sent: [],
    transitions: [],
    effects: [],
    outbox: [],
  };
}

describe("KyselyConversationStore on a SQLite file this process owns", () => {
  let database: OpenDatabase;
  let store: KyselyConversationStore;

  beforeEach(async () => {
    database = openDatabase(`file:${join(mkdtempSync(join(tmpdir(), "conversation-store-")), "db.sqlite")}`);
    await migrateToLatest(database.db, database.dialect);
    store = new KyselyConversationStore(database.db);
  });
  afterEach(() => database.db.destroy());

  const claims = async () =>
    (await database.db.selectFrom("webhook_claims").select("message_sid").execute()).map((row) => row.message_sid);

  it("holds the database's writer for a unit's writes alone: another phone commits while a unit is still working", async () => {
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const first = store.unitOfWork(A, async (uow) => {
      const record = await uow.load(A);
      await paused; // the machine running, a read by one of its actors, …
      await uow.saveTurn(turn(A, record?.rowVersion ?? null));
    });
    await store.unitOfWork(B, (uow) => uow.saveTurn(turn(B, null)));
    expect((await store.unitOfWork(B, (uow) => uow.load(B)))?.state).toBe("awaitingEmail");
    expect(await store.unitOfWork(A, (uow) => uow.load(A))).toBeNull(); // nothing of A's unit is written yet
    release();
    await first;
    expect((await store.unitOfWork(A, (uow) => uow.load(A)))?.rowVersion).toBe(1);
  });

  it("writes nothing of a unit whose conversation another writer saved since it was read", async () => {
    await store.unitOfWork(A, (uow) => uow.saveTurn(turn(A, null)));
    const before = await claims();
    const late = turn(A, 1);
    const unit = store.unitOfWork(A, async (uow) => {
      await uow.load(A);
      // A writer the serializer does not cover (an outbox opting the phone out) saves in between.
      await new KyselyConversationStore(database.db).unitOfWork(A, (other) => other.saveTurn(turn(A, 1)));
      await uow.beginCall(A, { call: "sendCode", messageSid: late.messageSid, at: late.at }, late.at);
      await uow.saveTurn(late);
    });
    await expect(unit).rejects.toBeInstanceOf(StaleConversationError);
    const after = await claims();
    expect(after).not.toContain(late.messageSid); // the claim written before the save went with it
    expect(after).toHaveLength(before.length + 1);
    expect((await store.unitOfWork(A, (uow) => uow.load(A)))?.rowVersion).toBe(2);
  });

  it("runs the commit hook once the unit's writes are committed, with the turns it saved", async () => {
    const committed: string[] = [];
    const hooked = new KyselyConversationStore(database.db, null, {
      afterCommit: (saved) => committed.push(saved.phone),
    });
    await hooked.unitOfWork(A, async (uow) => {
      await uow.saveTurn(turn(A, null));
      expect(committed).toEqual([]);
    });
    expect(committed).toEqual([A]);
  });
});
