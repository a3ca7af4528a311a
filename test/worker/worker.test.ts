// The Worker inside workerd: D1 through kysely-d1, a Durable Object per phone, the outbox's sender object.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { Kysely } from "kysely";
import { D1Dialect } from "kysely-d1";
import { describe, expect, it } from "vitest";
import { StaleConversationError, type Turn } from "../../src/conversation/ports.js";
import type { Database } from "../../src/store/schema.js";
import { D1ConversationStore } from "../../src/worker/d1-conversation-store.js";
import worker from "../../src/worker.js";
import { bodiesTo, conversation, eventually, messageSid, PUBLIC_URL, post, rows, sms, twilioState } from "./support.js";

let phoneCounter = 0;
const newPhone = () => {
  phoneCounter += 1;
  return `+1415556${String(phoneCounter).padStart(4, "0")}`;
};
const HI = "Hi! Text SIGNUP to create your account.";
const SUCCESS = "You did it! Signup complete :) Your account is ana@example.com.";
const admin = (path: string, init: RequestInit = {}) =>
  SELF.fetch(`${PUBLIC_URL}/admin/api${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" },
  });
const outboxSender = () => env.OUTBOX.get(env.OUTBOX.idFromName("outbox"));

async function toCode(phone: string, email = "ana@example.com"): Promise<string> {
  expect((await sms(phone, "SIGNUP")).replies).toEqual(["Welcome! What's your email address?"]);
  expect((await sms(phone, email)).replies).toEqual([
    "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
  ]);
  const code = /\b(\d{6})\b/.exec((await bodiesTo(phone)).at(-1) ?? "")?.[1];
  expect(code).toBeDefined();
  return code ?? "";
}

describe("the Worker (local provider, SMS through the fake Messages API)", () => {
  it("walks a whole sign-up and sends the success SMS once, from the outbox's alarm", async () => {
    const phone = newPhone();
    expect((await sms(phone, "hello")).replies).toEqual([HI]);
    const code = await toCode(phone);
    const done = await sms(phone, code);
    expect(done.status).toBe(200);
    expect(done.replies).toEqual([]);
    expect((await conversation(phone))?.state).toBe("verified");

    const sent = await eventually(
      () => bodiesTo(phone),
      (bodies) => bodies.includes(SUCCESS),
    );
    expect(sent.filter((body) => body === SUCCESS)).toHaveLength(1);
    const [outbox] = await rows<{ status: string; twilio_sid: string | null; attempts: number }>(
      "select status, twilio_sid, attempts from messages where phone = ? and channel = 'api' and body = ?",
      phone,
      SUCCESS,
    );
    expect(outbox).toMatchObject({ status: "queued", attempts: 1 });
    expect(outbox?.twilio_sid).toMatch(/^SM/);

    // Another wake-up (the cron's, a repeated alarm) finds nothing left to send.
    await outboxSender().kick();
    await runDurableObjectAlarm(outboxSender());
    expect((await bodiesTo(phone)).filter((body) => body === SUCCESS)).toHaveLength(1);

    const user = (await rows("select email, verified_at from users where phone = ?", phone))[0];
    expect(user?.email).toBe("ana@example.com");
    expect(user?.verified_at).not.toBeNull();
    const transcript = (await rows<{ body: string }>("select body from messages where phone = ?", phone)).map(
      (m) => m.body,
    );
    expect(transcript.join("\n")).not.toContain(code);
    expect((await sms(phone, "anything")).replies).toEqual(["You're already verified as ana@example.com."]);
  });

  it("a redelivered MessageSid gets the first reply and runs once", async () => {
    const phone = newPhone();
    const MessageSid = messageSid();
    const first = await sms(phone, "SIGNUP", { MessageSid });
    const again = await sms(phone, "SIGNUP", { MessageSid });
    expect(again.replies).toEqual(first.replies);
    expect(first.replies).toEqual(["Welcome! What's your email address?"]);
    expect(await rows("select id from messages where phone = ? and direction = 'in'", phone)).toHaveLength(1);
    expect((await conversation(phone))?.row_version).toBe(1);
  });

  it("runs 20 concurrent messages of one phone one at a time, in its Durable Object", async () => {
    const phone = newPhone();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sms(phone, `hello ${i}`)));
    expect(results.map((result) => result.status)).toEqual(Array(20).fill(200));
    // Every turn saw the one before it: none lost its save to another (which would answer "Sorry...").
    expect(results.map((result) => result.replies)).toEqual(Array(20).fill([HI]));
    expect((await conversation(phone))?.row_version).toBe(20);
    const inbound = await rows<{ body: string }>(
      "select body from messages where phone = ? and direction = 'in' order by id",
      phone,
    );
    expect(inbound.map((m) => m.body).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}`).sort());
  });

  it("STOP silences everything until START; HELP explains", async () => {
    const phone = newPhone();
    await sms(phone, "SIGNUP");
    expect((await sms(phone, "HELP")).replies[0]).toMatch(/STOP to stop all messages/);
    expect((await sms(phone, "STOP")).replies).toEqual([]);
    expect((await conversation(phone))?.opted_out).toBe(1);
    expect((await sms(phone, "ana@example.com")).replies).toEqual([]);
    expect((await sms(phone, "HELP")).replies).toEqual([]);
    expect((await sms(phone, "START")).replies[0]).toMatch(/What's your email address\?/);
    expect((await conversation(phone))?.opted_out).toBe(0);
    expect((await conversation(phone))?.state).toBe("awaitingEmail");
  });

  it("refuses a bad signature with 403 and a body over 64 kB with 413, storing nothing", async () => {
    const phone = newPhone();
    const forged = await post(
      "/sms",
      { MessageSid: messageSid(), From: phone, To: "+15005550006", Body: "SIGNUP" },
      "bm90IGEgc2lnbmF0dXJl",
    );
    expect(forged.status).toBe(403);
    const big = await sms(phone, "x".repeat(70_000));
    expect(big.status).toBe(413);
    expect(await rows("select phone from conversations where phone = ?", phone)).toEqual([]);
    expect(await rows("select phone from webhook_claims where phone = ?", phone)).toEqual([]);
  });

  it("serves the operator API: list, reset and erase go through the phone's object", async () => {
    const phone = newPhone();
    await toCode(phone, "olga@example.com");
    expect((await SELF.fetch(`${PUBLIC_URL}/admin/api/conversations`)).status).toBe(401);
    const list = (await (await admin(`/conversations?state=awaitingCode`)).json()) as { items: { phone: string }[] };
    expect(list.items.map((item) => item.phone)).toContain(phone);

    expect((await admin(`/conversations/${encodeURIComponent(phone)}/reset`, { method: "POST" })).status).toBe(200);
    expect((await conversation(phone))?.state).toBe("new");

    const erased = await admin(`/conversations/${encodeURIComponent(phone)}`, { method: "DELETE" });
    expect(erased.status).toBe(200);
    const counts = ((await erased.json()) as { removed: Record<string, number> }).removed;
    expect(counts).toMatchObject({ conversations: 1, users: 1 });
    expect(counts.messages).toBeGreaterThan(2);
    for (const table of ["conversations", "messages", "transitions", "users", "webhook_claims"])
      expect(await rows(`select phone from ${table} where phone = ?`, phone)).toEqual([]);
    const [record] = await rows<{ removed: string; operator: string }>(
      "select removed, operator from erasures order by id desc limit 1",
    );
    expect(JSON.parse(record?.removed ?? "{}")).toEqual(counts);
  });

  it("saves a turn as one D1 batch: a stale row version writes nothing of it", async () => {
    const phone = newPhone();
    await sms(phone, "hello");
    const store = new D1ConversationStore(
      new Kysely<Database>({ dialect: new D1Dialect({ database: env.DB }) }),
      env.DB,
    );
    const turn: Turn = {
      phone,
      messageSid: messageSid(),
      expectedRowVersion: 0,
      state: "awaitingEmail",
      snapshot: null,
      machineVersion: 1,
      optedOut: false,
      language: null,
      channel: "sms",
      at: Date.now(),
      inboundBody: "stale",
      replies: ["never stored"],
      sent: [],
      transitions: [{ from: "new", event: "SIGNUP", to: "awaitingEmail", at: Date.now() }],
      effects: [],
      outbox: ["never sent"],
    };
    await expect(store.unitOfWork(phone, (uow) => uow.saveTurn(turn))).rejects.toBeInstanceOf(StaleConversationError);
    expect(await conversation(phone)).toMatchObject({ state: "new", row_version: 1 });
    expect(
      await rows("select id from messages where phone = ? and body in ('stale', 'never stored', 'never sent')", phone),
    ).toEqual([]);
    expect(await rows("select id from transitions where phone = ?", phone)).toEqual([]);
    expect(await rows("select message_sid from webhook_claims where message_sid = ?", turn.messageSid)).toEqual([]);

    await store.unitOfWork(phone, (uow) => uow.saveTurn({ ...turn, expectedRowVersion: 1 }));
    expect(await conversation(phone)).toMatchObject({ state: "awaitingEmail", row_version: 2 });
    expect(
      await rows("select id from messages where phone = ? and body in ('stale', 'never stored', 'never sent')", phone),
    ).toHaveLength(3);
  });

  it("the Cron Trigger wakes the outbox sender, which sends what is due once", async () => {
    const phone = newPhone();
    const body = "A message a lost wake-up left in the outbox.";
    const now = Date.now();
    await env.DB.prepare(
      `insert into messages (phone, direction, channel, body, status, attempts, next_attempt_at, created_at, updated_at)
       values (?, 'out', 'api', ?, 'pending', 0, ?, ?, ?)`,
    )
      .bind(phone, body, now, now, now)
      .run();
    expect(await bodiesTo(phone)).toEqual([]);
    for (let i = 0; i < 2; i += 1) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env);
      await waitOnExecutionContext(ctx);
    }
    expect(
      await eventually(
        () => bodiesTo(phone),
        (bodies) => bodies.length > 0,
      ),
    ).toEqual([body]);
    await runDurableObjectAlarm(outboxSender());
    expect(await bodiesTo(phone)).toEqual([body]);
  });

  it("answers every request with the configuration error, naming the setting and not its value", async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${PUBLIC_URL}/healthz`) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, TWILIO_ACCOUNT_SID: "ACnot-a-sid" } as typeof env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain("TWILIO_ACCOUNT_SID: must be AC followed by 32 hex digits");
    expect(text).not.toContain("ACnot-a-sid");
  });

  it("answers health from D1", async () => {
    const response = await SELF.fetch(`${PUBLIC_URL}/healthz`);
    expect(await response.json()).toEqual({ ok: true, database: "up" });
    expect((await twilioState()).messages).toBeInstanceOf(Array);
  });
});
