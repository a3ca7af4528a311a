import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LogSmsSender } from "../../src/twilio/log-sender.js";
import { ADMIN_TOKEN, adminApi, enc, signInPages, signUp } from "../support/admin.js";
import { ProductReceiver, WEBHOOK_SECRET } from "../support/product-receiver.js";
import { Scrape } from "../support/prometheus.js";
import type { RunningService } from "../support/service.js";
import { restartableServices } from "../support/service-test.js";

const ANA = "+14155550142";
const SUCCESS = "You did it! Signup complete :) Your account is ana@example.com.";

describe("the product learns of each verification through a signed Standard Webhook", () => {
  let receiver: ProductReceiver;

  beforeEach(async () => {
    receiver = await ProductReceiver.start();
  });
  afterEach(async () => {
    await receiver.close();
  });
  const { clock, start } = restartableServices({
    env: () => ({
      ADMIN_TOKEN,
      SIGNUP_WEBHOOK_URL: `${receiver.url}/hooks/sms-signup`,
      SIGNUP_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OUTBOUND_TIMEOUT_MS: "300",
    }),
    // The receiver checks webhook-timestamp against its own clock, as a product would: the service's must agree.
    startsAt: () => Date.now(),
  });
  const successSms = (app: RunningService) =>
    (app.service.sender as LogSmsSender).sentTo(ANA, 0).filter((sms) => sms.body === SUCCESS);
  const webhookRow = (app: RunningService) =>
    app.db.selectFrom("product_webhooks").selectAll().where("type", "=", "signup.verified").executeTakeFirstOrThrow();
  /** Moves the clock to the row's next try and runs the dispatcher once. */
  const nextTry = async (app: RunningService) => {
    const row = await webhookRow(app);
    clock.advance(Math.max(0, Number(row.next_attempt_at) - clock.now()));
    return app.service.webhookDispatcher!.drain();
  };

  it("arrives once, signed, with the person's phone and email", async () => {
    const app = await start();
    await signUp(app, ANA, "ana@example.com");
    await app.service.webhookDispatcher!.drain();
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook).toMatchObject({ valid: true, status: 204 });
    expect(hook?.webhookId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(hook?.payload).toEqual({
      type: "signup.verified",
      timestamp: new Date(clock.now()).toISOString(),
      data: {
        phone: ANA,
        email: "ana@example.com",
        verified_at: new Date(clock.now()).toISOString(),
        email_verified: false,
      },
    });
    expect(receiver.requests[0]?.path).toBe("/hooks/sms-signup");
    // Nothing more later, and the success SMS did not wait (SUCCESS_AFTER_WEBHOOK is off).
    clock.advance(60 * 60_000);
    expect(await app.service.webhookDispatcher!.drain()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    await app.service.dispatcher.drain();
    expect(successSms(app)).toHaveLength(1);
    expect(await webhookRow(app)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("a product failing four times gets it on the fifth, with one webhook-id throughout, across a restart", async () => {
    receiver.failures = 4;
    const first = await start();
    await signUp(first, ANA, "ana@example.com");
    await first.service.webhookDispatcher!.drain();
    expect(await nextTry(first)).toBe(0);
    expect(await webhookRow(first)).toMatchObject({ status: "pending", attempts: 2, last_error: "HTTP 503" });
    // The owed event shows on /metrics, as the outbox-stuck alert reads it.
    clock.advance(30_000);
    const scrape = await Scrape.parse(await (await fetch(`${first.url}/metrics`)).text());
    expect(scrape.value("sms_signup_outbox_depth", { outbox: "webhook" })).toBe(1);
    const row = await webhookRow(first);
    expect(scrape.value("sms_signup_outbox_oldest_age_seconds", { outbox: "webhook" })).toBe(
      (clock.now() - Number(row.created_at)) / 1000,
    );

    // The process stops with the event still owed; another on the same database carries on.
    await first.stop();
    const second = await start();
    expect(await nextTry(second)).toBe(0);
    expect(await nextTry(second)).toBe(0);
    expect(await nextTry(second)).toBe(1);

    expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 503, 503, 204]);
    expect(receiver.received.every((r) => r.valid)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(1);
    const delivered = await webhookRow(second);
    expect(delivered).toMatchObject({ status: "delivered", attempts: 5 });
    clock.advance(24 * 60 * 60_000);
    expect(await second.service.webhookDispatcher!.drain()).toBe(0);
    expect(receiver.accepted).toHaveLength(1);
  });

  it("a product that never answers: given up after the bounded time, failed for operators, sent again from the pages", async () => {
    receiver.hang = true;
    // Two minutes: the receiver's own clock must still accept the timestamp of the try sent afterwards.
    const app = await start({ WEBHOOK_GIVE_UP_AFTER_SECONDS: "120" });
    await signUp(app, ANA, "ana@example.com");
    await app.service.webhookDispatcher!.drain();
    let tries = 1;
    while ((await webhookRow(app)).status === "pending") {
      await nextTry(app);
      tries += 1;
      expect(tries).toBeLessThan(20);
    }
    const failed = await webhookRow(app);
    expect(failed).toMatchObject({ status: "failed", last_error: "timed out", next_attempt_at: null });
    expect(clock.now() - Number(failed.created_at)).toBeLessThanOrEqual(120_000);
    expect(tries).toBeGreaterThan(2);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([failed.webhook_id]));

    // Operators see it failed, in the API and on the dashboard with a button.
    const listed = await adminApi(app, "/webhooks?status=failed");
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({ webhookId: failed.webhook_id, type: "signup.verified", phone: ANA, status: "failed" }),
    ]);
    const { cookie, csrf } = await signInPages(app);
    const dashboard = await (await fetch(`${app.url}/admin`, { headers: { cookie } })).text();
    expect(dashboard).toContain(`/admin/webhooks/${failed.webhook_id}/resend`);

    // The product is back; the button sends the same event again, with the same webhook-id.
    receiver.hang = false;
    const clicked = await fetch(`${app.url}/admin/webhooks/${failed.webhook_id}/resend`, {
      method: "POST",
      headers: { cookie, origin: app.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: "manual",
    });
    expect(clicked.status).toBe(303);
    expect(clicked.headers.get("location")).toBe("/admin?done=webhook-resent#webhooks");
    await app.service.webhookDispatcher!.drain();
    expect(receiver.accepted.map((r) => r.webhookId)).toEqual([failed.webhook_id]);
    expect(await webhookRow(app)).toMatchObject({ status: "delivered" });
    // Only a failed one can be sent again.
    const again = await adminApi(app, `/webhooks/${failed.webhook_id}/resend`, { method: "POST" });
    expect(again.status).toBe(404);
    expect((await adminApi(app, "/webhooks/not-an-id/resend", { method: "POST" })).status).toBe(400);
  });

  it("the API sends a failed one again too", async () => {
    receiver.hang = true;
    const app = await start({ WEBHOOK_GIVE_UP_AFTER_SECONDS: "1" });
    await signUp(app, ANA, "ana@example.com");
    await app.service.webhookDispatcher!.drain();
    const failed = await webhookRow(app);
    expect(failed.status).toBe("failed");
    receiver.hang = false;
    const resent = await adminApi(app, `/webhooks/${failed.webhook_id}/resend`, { method: "POST" });
    expect(resent).toMatchObject({ status: 200, json: { webhookId: failed.webhook_id, status: "pending" } });
    await app.service.webhookDispatcher!.drain();
    expect(receiver.accepted.map((r) => r.webhookId)).toEqual([failed.webhook_id]);
  });

  it("SUCCESS_AFTER_WEBHOOK holds the success SMS until the product answered 2xx", async () => {
    receiver.failures = 2;
    const app = await start({ SUCCESS_AFTER_WEBHOOK: "true" });
    await signUp(app, ANA, "ana@example.com");
    await app.service.webhookDispatcher!.drain();
    await nextTry(app);
    await app.service.dispatcher.drain();
    // Two refusals: no "done" yet, and the transcript says it waits.
    expect(successSms(app)).toEqual([]);
    const held = await app.db
      .selectFrom("messages")
      .selectAll()
      .where("phone", "=", ANA)
      .where("body", "=", SUCCESS)
      .executeTakeFirstOrThrow();
    expect(held.status).toBe("held");

    // The 2xx releases it at once.
    expect(await nextTry(app)).toBe(1);
    expect(receiver.accepted).toHaveLength(1);
    await app.service.dispatcher.drain();
    expect(successSms(app)).toHaveLength(1);
  });

  it("tells the product when an operator resets or erases a verified person, and only then", async () => {
    const app = await start();
    await signUp(app, ANA, "ana@example.com");
    await app.sms("+14155550143", "SIGNUP");
    expect((await adminApi(app, `/conversations/${enc(ANA)}/reset`, { method: "POST" })).status).toBe(200);
    expect((await adminApi(app, `/conversations/${enc("+14155550143")}/reset`, { method: "POST" })).status).toBe(200);
    await app.service.webhookDispatcher!.drain();
    expect((await adminApi(app, `/conversations/${enc(ANA)}`, { method: "DELETE" })).status).toBe(200);
    expect((await adminApi(app, `/conversations/${enc("+14155550143")}`, { method: "DELETE" })).status).toBe(200);
    await app.service.webhookDispatcher!.drain();
    expect(receiver.accepted.map((r) => [r.payload.type, r.payload.data])).toEqual([
      [
        "signup.verified",
        { phone: ANA, email: "ana@example.com", verified_at: expect.any(String), email_verified: false },
      ],
      ["signup.reset", { phone: ANA, email: "ana@example.com", by: "operator (API)" }],
      ["signup.erased", { phone: ANA, email: "ana@example.com", by: "operator (API)" }],
    ]);
    // Told, the erased person's phone does not stay in the outbox either.
    const rows = await app.db.selectFrom("product_webhooks").select(["phone", "payload"]).execute();
    expect(JSON.stringify(rows)).not.toContain(ANA);
    expect(JSON.stringify(rows)).not.toContain("ana@example.com");
  });
});
