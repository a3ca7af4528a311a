import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNUP_MACHINE_VERSION } from "../../machines/signup.js";
import { StaleConversationError, type Turn } from "../../src/conversation/ports.js";
import { KyselyConversationStore } from "../../src/store/conversation-store.js";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { tempDatabaseUrl } from "../support/service.js";

const turn = (phone: string, overrides: Partial<Turn> = {}): Turn => ({
  phone,
  messageSid: `SM${"1".repeat(32)}`,
  expectedRowVersion: null,
  state: "awaitingEmail",
  snapshot: { value: "awaitingEmail", context: { email: null } },
  machineVersion: SIGNUP_MACHINE_VERSION,
  optedOut: false,
  language: null,
  channel: "sms",
  at: 1_000,
  inboundBody: "SIGNUP",
  replies: ["Welcome!"],
  sent: [],
  transitions: [{ from: "new", event: "SIGNUP", to: "awaitingEmail", at: 1_000 }],
  effects: [],
  outbox: [],
  ...overrides,
});

describe("the conversation store on SQLite", () => {
  const { db, dialect } = openDatabase(tempDatabaseUrl());
  const store = new KyselyConversationStore(db);
  const rows = (table: "messages" | "transitions" | "webhook_claims", phone: string) =>
    db.selectFrom(table).selectAll().where("phone", "=", phone).execute();
  beforeAll(() => migrateToLatest(db, dialect));
  afterAll(() => db.destroy());

  it("creates a phone's conversation on its first save and completes the MessageSid with its replies", async () => {
    const phone = "+14155556001";
    await store.unitOfWork(phone, (uow) => uow.saveTurn(turn(phone)));
    const record = await store.unitOfWork(phone, (uow) => uow.load(phone));
    expect(record).toMatchObject({ phone, state: "awaitingEmail", rowVersion: 1, pendingCall: null, optedOut: false });
    expect(await store.unitOfWork(phone, (uow) => uow.findClaim(`SM${"1".repeat(32)}`))).toEqual({
      status: "done",
      replies: ["Welcome!"],
    });
    expect((await rows("messages", phone)).map((m) => [m.direction, m.channel, m.body])).toEqual([
      ["in", "webhook", "SIGNUP"],
      ["out", "twiml", "Welcome!"],
    ]);
    expect(await rows("transitions", phone)).toHaveLength(1);
  });

  it("writes nothing of a unit of work that fails, and refuses a save over a row version that moved", async () => {
    const phone = "+14155556002";
    await expect(
      store.unitOfWork(phone, async (uow) => {
        await uow.saveTurn(turn(phone, { messageSid: `SM${"2".repeat(32)}` }));
        throw new Error("the machine failed after the save");
      }),
    ).rejects.toThrow("the machine failed");
    expect(await store.unitOfWork(phone, (uow) => uow.load(phone))).toBeNull();
    expect(await rows("messages", phone)).toEqual([]);
    expect(await rows("webhook_claims", phone)).toEqual([]);

    await store.unitOfWork(phone, (uow) => uow.saveTurn(turn(phone, { messageSid: `SM${"3".repeat(32)}` })));
    await expect(
      store.unitOfWork(phone, (uow) =>
        uow.saveTurn(turn(phone, { messageSid: `SM${"4".repeat(32)}`, expectedRowVersion: 7 })),
      ),
    ).rejects.toBeInstanceOf(StaleConversationError);
    await expect(
      store.unitOfWork(phone, (uow) => uow.saveTurn(turn(phone, { messageSid: `SM${"5".repeat(32)}` }))),
    ).rejects.toBeInstanceOf(StaleConversationError);
    expect((await store.unitOfWork(phone, (uow) => uow.load(phone)))?.rowVersion).toBe(1);
  });

  it("records a provider call before it goes out, and the save after it clears it", async () => {
    const phone = "+14155556003";
    const sid = `SM${"6".repeat(32)}`;
    await store.unitOfWork(phone, (uow) => uow.saveTurn(turn(phone, { messageSid: null })));
    await store.unitOfWork(phone, (uow) =>
      uow.beginCall(phone, { call: "sendCode", messageSid: sid, at: 2_000 }, 2_000),
    );
    expect(await store.unitOfWork(phone, (uow) => uow.findClaim(sid))).toEqual({ status: "processing" });
    expect((await store.unitOfWork(phone, (uow) => uow.load(phone)))?.pendingCall).toEqual({
      call: "sendCode",
      messageSid: sid,
      at: 2_000,
    });
    await store.unitOfWork(phone, (uow) =>
      uow.saveTurn(
        turn(phone, {
          messageSid: sid,
          expectedRowVersion: 1,
          state: "awaitingCode",
          inboundBody: "ana@example.com",
          replies: ["We sent a code"],
          sent: [
            {
              body: "Your code is ••••••",
              sent: { sid: `SM${"7".repeat(32)}`, status: "queued" },
              at: 2_001,
              medium: "sms",
            },
          ],
        }),
      ),
    );
    expect(await store.unitOfWork(phone, (uow) => uow.load(phone))).toMatchObject({
      state: "awaitingCode",
      rowVersion: 2,
      pendingCall: null,
    });
    expect(await store.unitOfWork(phone, (uow) => uow.findClaim(sid))).toEqual({
      status: "done",
      replies: ["We sent a code"],
    });
    const api = (await rows("messages", phone)).filter((m) => m.channel === "api");
    expect(api).toMatchObject([{ body: "Your code is ••••••", twilio_sid: `SM${"7".repeat(32)}`, status: "queued" }]);
  });

  it("keeps a refused message and its answer once, however often it is delivered", async () => {
    const phone = "+14155556004";
    const refusal = { phone, messageSid: `SM${"8".repeat(32)}`, inboundBody: "flood", reply: "Busy", at: 3_000 };
    expect(await store.recordRefused(refusal)).toEqual(["Busy"]);
    expect(await store.recordRefused({ ...refusal, reply: "Busy again" })).toEqual(["Busy"]);
    expect((await rows("messages", phone)).map((m) => m.body)).toEqual(["flood", "Busy"]);
    expect(await store.unitOfWork(phone, (uow) => uow.load(phone))).toBeNull();
  });
});
