import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeTwilio, type Fault } from "../support/fake-twilio.js";
import { verifyEnv } from "../support/provider-env.js";
import type { RunningService } from "../support/service.js";
import { restartableServices } from "../support/service-test.js";

const PHONE = "+14155550142";
const SUCCESS = "You did it! Signup complete :) Your account is ana@example.com.";
const ERROR_500: Fault = {
  kind: "status",
  status: 500,
  body: { code: 20500, message: "Internal Server Error", status: 500 },
};

describe("the success SMS goes through a durable outbox", () => {
  let twilio: FakeTwilio;

  beforeEach(async () => {
    twilio = await FakeTwilio.start();
  });
  afterEach(async () => {
    await twilio.close();
  });
  const { clock, start } = restartableServices({ env: () => verifyEnv(twilio.url) });
  const outboxRow = (app: RunningService) =>
    app.db
      .selectFrom("messages")
      .selectAll()
      .where("phone", "=", PHONE)
      .where("channel", "=", "api")
      .executeTakeFirstOrThrow();

  /** Signs up with Verify; the success SMS is queued in the verifying turn and its first send kicked off. */
  async function signUp(app: RunningService) {
    await app.sms(PHONE, "SIGNUP");
    await app.sms(PHONE, "ana@example.com");
    expect((await app.sms(PHONE, twilio.verifications.get(PHONE)!.code)).replies).toEqual([]);
    expect((await app.state(PHONE))?.state).toBe("verified");
    // Joins the send the verifying turn kicked off (or runs it), so what follows sees its outcome.
    await app.service.dispatcher.drain();
  }

  it("is written with the verification, retried with backoff, picked up after a restart, and arrives once", async () => {
    const first = await start();
    twilio.faults.messages.push(ERROR_500, { kind: "drop" });
    await signUp(first);

    // Recorded in the same transaction as the verification, and still owed after the first failure.
    const user = await first.db
      .selectFrom("users")
      .select("verified_at")
      .where("phone", "=", PHONE)
      .executeTakeFirstOrThrow();
    let row = await outboxRow(first);
    expect(row).toMatchObject({
      body: SUCCESS,
      status: "pending",
      attempts: 1,
      error_code: 20500,
      twilio_sid: null,
      created_at: user.verified_at,
    });
    expect(row.next_attempt_at).toBeGreaterThan(clock.now());

    // Not due yet: nothing is sent early.
    expect(await first.service.dispatcher.drain()).toBe(0);
    clock.advance(row.next_attempt_at! - clock.now());
    expect(await first.service.dispatcher.drain()).toBe(0);
    row = await outboxRow(first);
    expect(row).toMatchObject({ status: "pending", attempts: 2 });
    expect(twilio.bodiesTo(PHONE)).toEqual([]);

    // The process stops with the SMS still owed; a new one on the same database sends it.
    await first.stop();
    const second = await start();
    clock.advance(row.next_attempt_at! - clock.now());
    expect(await second.service.dispatcher.drain()).toBe(1);
    expect(twilio.bodiesTo(PHONE)).toEqual([SUCCESS]);
    row = await outboxRow(second);
    expect(row).toMatchObject({ status: "queued", attempts: 3, twilio_sid: twilio.messages.at(-1)!.sid });

    // Sent once: later drains, and another restart, send nothing more.
    clock.advance(60 * 60_000);
    expect(await second.service.dispatcher.drain()).toBe(0);
    await second.stop();
    const third = await start();
    expect(await third.service.dispatcher.drain()).toBe(0);
    expect(twilio.bodiesTo(PHONE)).toEqual([SUCCESS]);
  });

  it("a send that died mid-way (process gone while holding it) is picked up once its lease lapses", async () => {
    const first = await start();
    twilio.faults.messages.push(ERROR_500);
    await signUp(first);
    clock.advance(60_000);
    // A sender claims the due message and the process dies before Twilio answers.
    expect(await first.service.outbox.claimDue(clock.now(), 10, 60_000)).toHaveLength(1);
    await first.stop();

    const second = await start();
    expect(await second.service.dispatcher.drain()).toBe(0);
    clock.advance(60_000);
    expect(await second.service.dispatcher.drain()).toBe(1);
    expect(twilio.bodiesTo(PHONE)).toEqual([SUCCESS]);
  });

  it("a person who opted out before it went gets nothing", async () => {
    const app = await start();
    twilio.faults.messages.push(ERROR_500);
    await signUp(app);
    expect((await app.sms(PHONE, "STOP")).replies).toEqual([]);
    clock.advance(60 * 60_000);
    expect(await app.service.dispatcher.drain()).toBe(0);
    expect(twilio.bodiesTo(PHONE)).toEqual([]);
    expect(await outboxRow(app)).toMatchObject({ status: "suppressed", twilio_sid: null });
  });

  it("Twilio's 21610 marks the person opted out and the SMS is not retried", async () => {
    const app = await start();
    twilio.faults.messages.push({
      kind: "status",
      status: 400,
      body: { code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 },
    });
    await signUp(app);
    expect(await outboxRow(app)).toMatchObject({ status: "failed", error_code: 21610 });
    expect((await app.state(PHONE))?.opted_out).toBe(1);
    clock.advance(60 * 60_000);
    expect(await app.service.dispatcher.drain()).toBe(0);
    expect(twilio.requests.filter((r) => r.path.endsWith("/Messages.json"))).toHaveLength(1);
    // Opted out: the bot stays silent until they opt back in.
    expect((await app.sms(PHONE, "hello")).replies).toEqual([]);
  });

  it("an answer Twilio gave with 2xx but no readable body counts as accepted: not sent again, visible as failed", async () => {
    const app = await start();
    twilio.faults.messages.push({ kind: "malformed" });
    await signUp(app);
    expect(await outboxRow(app)).toMatchObject({
      status: "failed",
      error_message: "Twilio accepted the message but its answer is not JSON",
    });
    clock.advance(60 * 60_000);
    expect(await app.service.dispatcher.drain()).toBe(0);
    expect(twilio.requests.filter((r) => r.path.endsWith("/Messages.json"))).toHaveLength(1);
  });
});
