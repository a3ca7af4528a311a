import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNUP_MACHINE_VERSION } from "../../machines/signup.js";
import { StaleConversationError } from "../../src/conversation/ports.js";
import { KyselyConversationStore } from "../../src/store/conversation-store.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable, sqliteUrl } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { productionEnv, RunningService, TEST_TWILIO_NUMBER } from "../support/service.js";

const hasPostgres = await postgresAvailable();
const databases: [string, () => Promise<string>][] = [["SQLite", async () => sqliteUrl()]];
if (hasPostgres) databases.push(["Postgres", freshPostgresUrl]);

describe.each(databases)("persistence on %s", (_name, makeUrl) => {
  let twilio: FakeTwilio;
  let databaseUrl: string;
  const running: RunningService[] = [];
  const start = async (_name: string) => {
    const app = await RunningService.start({ env: productionEnv(twilio.url), databaseUrl });
    running.push(app);
    return app;
  };

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    databaseUrl = await makeUrl();
  });
  afterAll(async () => {
    for (const app of running.splice(0)) await app.stop().catch(() => undefined);
    await twilio.close();
    await dropPostgresDatabases();
  });

  it("a restart mid-conversation continues where it was", async () => {
    const phone = "+14155551001";
    const first = await start("a");
    await first.sms(phone, "SIGNUP");
    await first.sms(phone, "ana.restart@example.com");
    const code = twilio.lastCodeTo(phone)!;
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const second = await start("b");
    expect((await second.state(phone))?.state).toBe("awaitingCode");
    expect((await second.sms(phone, code)).replies).toEqual([]);
    expect((await second.state(phone))?.state).toBe("verified");
  });

  it("two processes on one database serialize one phone and lose no update", async () => {
    const phone = "+14155551002";
    const [a, b] = [await start("proc-a"), await start("proc-b")];
    await a.sms(phone, "SIGNUP");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).sms(phone, `nope ${i}`)));
    expect(results.every((r) => r.status === 200 && r.replies.length === 1)).toBe(true);
    const replies = results.map((r) => r.replies[0]!);
    expect(replies.filter((r) => r.startsWith("That's too many tries"))).toHaveLength(1);
    expect(replies.filter((r) => r.startsWith("That doesn't look like an email"))).toHaveLength(4);
    const row = await a.state(phone);
    expect(row?.row_version).toBe(21);
    expect(row?.pending_call).toBeNull();
    expect(await a.inbound({ phone })).toHaveLength(21);
  });

  it("a save with a stale row version is refused and writes nothing", async () => {
    const phone = "+14155551003";
    const app = running[0] ?? (await start("c"));
    await app.sms(phone, "SIGNUP");
    const store = new KyselyConversationStore(app.db);
    const record = (await store.unitOfWork(phone, (uow) => uow.load(phone)))!;
    const turn = {
      phone,
      messageSid: null,
      expectedRowVersion: record.rowVersion - 1,
      state: "verified" as const,
      snapshot: null,
      machineVersion: SIGNUP_MACHINE_VERSION,
      optedOut: false,
      language: null,
      channel: "sms" as const,
      at: Date.now(),
      inboundBody: "lost update",
      replies: ["should not be stored"],
      sent: [],
      transitions: [],
      effects: [],
      outbox: [],
    };
    await expect(store.unitOfWork(phone, (uow) => uow.saveTurn(turn))).rejects.toBeInstanceOf(StaleConversationError);
    expect((await app.state(phone))?.state).toBe("awaitingEmail");
    const bodies = await app.db.selectFrom("messages").select("body").where("phone", "=", phone).execute();
    expect(bodies.map((m) => m.body)).not.toContain("lost update");
  });

  it("a snapshot that no longer fits the machine starts over cleanly", async () => {
    const phone = "+14155551004";
    const app = running[0] ?? (await start("d"));
    await app.sms(phone, "SIGNUP");
    await app.db
      .updateTable("conversations")
      .set({ snapshot: JSON.stringify({ status: "active", value: "awaitingPassword", context: {} }) })
      .where("phone", "=", phone)
      .execute();
    expect((await app.sms(phone, "hello")).replies).toEqual([
      "We updated our sign-up, so we're starting over.\nHi! Text SIGNUP to create your account.",
    ]);
    await app.db
      .updateTable("conversations")
      .set({ machine_version: SIGNUP_MACHINE_VERSION + 100 })
      .where("phone", "=", phone)
      .execute();
    expect((await app.sms(phone, "SIGNUP")).replies).toEqual([
      "We updated our sign-up, so we're starting over.\nWelcome! What's your email address?",
    ]);
    const row = await app.state(phone);
    expect(row?.state).toBe("awaitingEmail");
    expect(row?.machine_version).toBe(SIGNUP_MACHINE_VERSION);
  });

  it("a conversation saved by machine version 1 (no hierarchy) resumes where it was", async () => {
    const phone = "+14155551006";
    const app = running[0] ?? (await start("f"));
    await app.sms(phone, "SIGNUP");
    const row = await app.state(phone);
    const saved = JSON.parse(String(row?.snapshot)) as { value: unknown };
    expect(saved.value).toEqual({ signingUp: "awaitingEmail" });
    await app.db
      .updateTable("conversations")
      .set({ machine_version: 1, snapshot: JSON.stringify({ ...saved, value: "awaitingEmail" }) })
      .where("phone", "=", phone)
      .execute();
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "We need your email first. Reply with it, like ana@example.com.",
    ]);
    expect((await app.state(phone))?.machine_version).toBe(SIGNUP_MACHINE_VERSION);
  });

  it("a conversation saved by machine version 2 (no email step) resumes where it was, the step's fields empty", async () => {
    const phone = "+14155551007";
    const app = running[0] ?? (await start("g"));
    await app.sms(phone, "SIGNUP");
    const saved = JSON.parse(String((await app.state(phone))?.snapshot)) as { context: Record<string, unknown> };
    const added = [
      "phoneVerifiedAt",
      "emailTicket",
      "emailCodeExpiresAt",
      "emailWrongCodes",
      "emailSendReason",
      "emailVerifiedAt",
    ];
    const version2 = Object.fromEntries(Object.entries(saved.context).filter(([key]) => !added.includes(key)));
    expect(Object.keys(version2)).not.toContain("emailTicket");
    await app.db
      .updateTable("conversations")
      .set({ machine_version: 2, snapshot: JSON.stringify({ ...saved, context: version2 }) })
      .where("phone", "=", phone)
      .execute();
    expect((await app.sms(phone, "RESEND")).replies).toEqual([
      "We need your email first. Reply with it, like ana@example.com.",
    ]);
    const row = await app.state(phone);
    expect(row?.machine_version).toBe(SIGNUP_MACHINE_VERSION);
    expect(JSON.parse(String(row?.snapshot)).context).toMatchObject({ emailTicket: null, emailWrongCodes: 0 });
  });

  it("a claim left by a process that died mid-turn is taken over by the next delivery, at once", async () => {
    const phone = "+14155551005";
    const app = running[0] ?? (await start("e"));
    await app.sms(phone, "SIGNUP");
    const params = {
      MessageSid: `SM${"d".repeat(32)}`,
      From: phone,
      To: TEST_TWILIO_NUMBER,
      Body: "ana.claim@example.com",
    };
    // What a process killed during the provider call leaves: the claim and the pending call, committed before it.
    await app.db
      .insertInto("webhook_claims")
      .values({
        message_sid: params.MessageSid,
        phone,
        status: "processing",
        replies: null,
        claimed_at: 1,
        completed_at: null,
      })
      .execute();
    await app.db
      .updateTable("conversations")
      .set({ pending_call: JSON.stringify({ call: "sendCode", messageSid: params.MessageSid, at: 1 }) })
      .where("phone", "=", phone)
      .execute();
    expect((await app.post("/sms", params)).replies).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    const row = await app.state(phone);
    expect(row?.state).toBe("awaitingCode");
    expect(row?.pending_call).toBeNull();
    // The redelivery of the same message now gets the reply of the turn that finished, and runs nothing.
    expect((await app.post("/sms", params)).replies).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    expect(twilio.bodiesTo(phone)).toHaveLength(1);
  });
});
