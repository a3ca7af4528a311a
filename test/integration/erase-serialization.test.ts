import { afterAll, describe, expect, it } from "vitest";
import { KeyedLock } from "../../src/conversation/keyed-lock.js";
import type { ConversationStore, ConversationUnitOfWork, Turn } from "../../src/conversation/ports.js";
import { KyselyConversationStore } from "../../src/store/conversation-store.js";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { engineOver, gatedProvider } from "../support/engine.js";
import { tempDatabaseUrl } from "../support/service.js";

const PHONE = "+14155550123";
const nextTurnOfTheLoop = () => new Promise((resolve) => setImmediate(resolve));

describe("an erasure and a turn of the same phone", () => {
  const { db, dialect } = openDatabase(tempDatabaseUrl());
  afterAll(() => db.destroy());

  it("never interleave: the erasure waits for the turn in flight, then removes what it saved", async () => {
    await migrateToLatest(db, dialect);
    const order: string[] = [];
    const { provider, release, started } = gatedProvider(order);
    const inner = new KyselyConversationStore(db);
    const store: ConversationStore = {
      unitOfWork: (phone, work) =>
        inner.unitOfWork(phone, (uow) => {
          const recorded: ConversationUnitOfWork = Object.create(uow);
          recorded.saveTurn = async (turn: Turn) => {
            await uow.saveTurn(turn);
            order.push("turn saved");
          };
          return work(recorded);
        }),
      recordRefused: (refusal) => inner.recordRefused(refusal),
      erase: async (...args) => {
        order.push("erase");
        return inner.erase(...args);
      },
    };
    const engine = engineOver(store, provider, new KeyedLock());

    await engine.handle({ messageSid: "SM00000000000000000000000000000001", from: PHONE, body: "SIGNUP" });
    order.length = 0;
    const turn = engine.handle({
      messageSid: "SM00000000000000000000000000000002",
      from: PHONE,
      body: "ana@example.com",
    });
    await started;
    const erasure = engine.erase(PHONE, "operator (test)");
    // Give an unserialized erasure every chance to run while the provider call is in flight.
    for (let i = 0; i < 20; i += 1) await nextTurnOfTheLoop();
    release();

    expect((await turn).replies).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    const removed = await erasure;
    expect(order).toEqual(["send started", "send finished", "turn saved", "erase"]);
    expect(removed).toEqual({ conversations: 1, messages: 4, transitions: 4, users: 1, webhookClaims: 2, emails: 0 });
    for (const table of ["conversations", "messages", "transitions", "users", "webhook_claims"] as const) {
      expect(await db.selectFrom(table).selectAll().where("phone", "=", PHONE).execute(), table).toEqual([]);
    }
    const [record] = await db.selectFrom("erasures").selectAll().execute();
    expect(record).toMatchObject({ phone_hint: "+14•••••0123", operator: "operator (test)" });
    expect(JSON.stringify(record)).not.toContain(PHONE);
  });
});
