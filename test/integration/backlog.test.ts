import { afterAll, describe, expect, it } from "vitest";
import { KeyedLock } from "../../src/conversation/keyed-lock.js";
import { PHONE_BACKLOG } from "../../src/conversation/phone-serializer.js";
import { BUILT_IN_CATALOGS } from "../../src/i18n/catalog.js";
import { KyselyConversationStore } from "../../src/store/conversation-store.js";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { engineOver, gatedProvider } from "../support/engine.js";
import { tempDatabaseUrl } from "../support/service.js";

const PHONE = "+14155553001";
const sid = (n: number) => `SM${String(n).padStart(32, "0")}`;

describe("a phone that floods us", () => {
  const { db, dialect } = openDatabase(tempDatabaseUrl());
  afterAll(() => db.destroy());

  it("past the backlog bound, a message is answered at once, kept in the transcript, and changes nothing else", async () => {
    await migrateToLatest(db, dialect);
    // The first message's turn holds the phone in the provider until the flood has arrived.
    const { provider, release } = gatedProvider();
    const engine = engineOver(new KyselyConversationStore(db), provider, new KeyedLock(PHONE_BACKLOG));
    await engine.handle({ messageSid: sid(1), from: PHONE, body: "SIGNUP" });
    const slow = engine.handle({ messageSid: sid(2), from: PHONE, body: "ana@example.com" });
    const flood = Array.from({ length: 200 }, (_, i) =>
      engine.handle({ messageSid: sid(100 + i), from: PHONE, body: `flood ${i}` }),
    );
    // Everything past the bound is answered before the turn in flight has even finished.
    const refused = await Promise.all(flood.slice(PHONE_BACKLOG - 1));
    expect(refused.every((outcome) => outcome.replies[0] === BUILT_IN_CATALOGS.en.tooManyAtOnce)).toBe(true);
    const refusedRows = await db
      .selectFrom("messages")
      .select(["direction", "body"])
      .where("phone", "=", PHONE)
      .execute();
    expect(refusedRows.filter((m) => m.body === BUILT_IN_CATALOGS.en.tooManyAtOnce)).toHaveLength(
      200 - (PHONE_BACKLOG - 1),
    );
    expect((await db.selectFrom("conversations").select("row_version").executeTakeFirst())?.row_version).toBe(1);

    release();
    await slow;
    const queued = await Promise.all(flood.slice(0, PHONE_BACKLOG - 1));
    expect(queued.every((outcome) => outcome.replies[0] !== BUILT_IN_CATALOGS.en.tooManyAtOnce)).toBe(true);
    // Only the messages that ran a turn moved the conversation.
    const row = await db.selectFrom("conversations").selectAll().executeTakeFirst();
    expect(row?.row_version).toBe(2 + queued.length);
    const inbound = await db.selectFrom("messages").select("body").where("direction", "=", "in").execute();
    expect(inbound).toHaveLength(202);

    // A redelivery of a refused message gets the same answer and adds nothing.
    const count = async () => (await db.selectFrom("messages").select("id").execute()).length;
    const before = await count();
    expect(await engine.handle({ messageSid: sid(299), from: PHONE, body: "flood 199" })).toEqual({
      replies: [BUILT_IN_CATALOGS.en.tooManyAtOnce],
      duplicate: true,
    });
    expect(await count()).toBe(before);
    expect(engine.busyPhones).toBe(0);
  });
});
