// Issue 10: the success SMS after kill -9. The outbox lease is short and renewed while a send runs, so a restarted
// instance takes over a dead sender's message within it; a message its dead sender may have got out is looked up at
// Twilio first, so it is never sent twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/node-database.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { tempDatabaseUrl } from "../support/service.js";
import { ServiceProcess } from "../support/service-process.js";

const SUCCESS = /^You did it/;

describe("the success SMS across kill -9", () => {
  let twilio: FakeTwilio;
  let service: ServiceProcess;
  const databaseUrl = tempDatabaseUrl();
  const database = openDatabase(databaseUrl);

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    service = await ServiceProcess.start(databaseUrl, twilio.url);
  }, 30_000);
  afterAll(async () => {
    await service.stop();
    await database.db.destroy();
    await twilio.close();
  });

  const successes = (phone: string) => twilio.bodiesTo(phone).filter((body) => SUCCESS.test(body)).length;
  const outboxRow = (phone: string) =>
    database.db
      .selectFrom("messages")
      .select(["id", "status", "twilio_sid"])
      .where("phone", "=", phone)
      .where("channel", "=", "api")
      .where("body", "like", "You did it%")
      .executeTakeFirstOrThrow();

  async function verifyUpToTheCode(phone: string): Promise<string> {
    expect((await service.text(phone, "SIGNUP")).replies[0]).toMatch(/email/);
    expect((await service.text(phone, `${phone.slice(1)}@example.com`)).replies[0]).toMatch(/code/);
    return twilio.lastCodeTo(phone) ?? "";
  }

  it("killed while Twilio was taking the success SMS: the restarted instance finds it sent and sends nothing", async () => {
    const phone = "+14155556001";
    const code = await verifyUpToTheCode(phone);
    twilio.faults.messages.push({ kind: "delay", ms: 1_500 });
    expect((await service.text(phone, code)).replies).toEqual([]);
    await expect
      .poll(() => twilio.requests.some((r) => r.method === "POST" && SUCCESS.test(r.form.get("Body") ?? "")))
      .toBe(true);
    await service.kill9();
    expect((await outboxRow(phone)).status).toBe("claimed");

    await service.restart();
    const restartedAt = performance.now();
    await expect.poll(async () => (await outboxRow(phone)).status, { timeout: 5_000, interval: 50 }).toBe("queued");
    console.log(
      `outbox after kill -9 mid-send: taken over ${Math.round(performance.now() - restartedAt)} ms after restart`,
    );
    expect(successes(phone)).toBe(1);
    expect((await outboxRow(phone)).twilio_sid).toBe(twilio.messages.find((m) => SUCCESS.test(m.body))?.sid);
  }, 30_000);

  it("killed with the message claimed before it reached Twilio: the restarted instance sends it once, within 2 s", async () => {
    const phone = "+14155556002";
    const code = await verifyUpToTheCode(phone);
    await service.stop();
    // What a sender killed between its claim and its request leaves: a claim whose lease is about to run out.
    await database.db
      .insertInto("messages")
      .values({
        phone,
        direction: "out",
        channel: "api",
        body: `You did it! Signup complete :) (${code.length})`,
        status: "claimed",
        attempts: 0,
        next_attempt_at: Date.now() + 1_000,
        twilio_sid: null,
        error_code: null,
        error_message: null,
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();
    await service.restart();
    const restartedAt = performance.now();
    await expect.poll(async () => (await outboxRow(phone)).status, { timeout: 5_000, interval: 50 }).toBe("queued");
    const tookMs = performance.now() - restartedAt;
    console.log(`outbox claim left by a dead sender: sent ${Math.round(tookMs)} ms after restart`);
    expect(successes(phone)).toBe(1);
  }, 30_000);
});
