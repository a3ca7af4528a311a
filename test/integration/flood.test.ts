// Row 10 of issue 10: 10,000 messages at once from one phone, over real HTTP, the first of them a turn whose provider
// call is slow. The phone's queue never holds more than its bound (what keeps memory flat: past it a message is
// answered at once), every message is answered and stored once, and only the queued ones ran a turn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PHONE_BACKLOG } from "../../src/conversation/phone-serializer.js";
import { BUILT_IN_CATALOGS } from "../../src/i18n/catalog.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { newMessageSid, productionEnv, RunningService } from "../support/service.js";

const MESSAGES = 10_000;
const IN_FLIGHT = 100;
const PHONE = "+14155559901";

describe("10,000 messages at once from one phone", () => {
  let twilio: FakeTwilio;
  let app: RunningService;
  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    app = await RunningService.start({ env: productionEnv(twilio.url) });
  });
  afterAll(async () => {
    await app.stop();
    await twilio.close();
  });

  it("the phone's queue stays within its bound, each message is answered and stored once", async () => {
    await app.sms(PHONE, "SIGNUP");
    // The code SMS takes Twilio 3 s: the phone is held while the flood arrives.
    twilio.faults.messages.push({ kind: "delay", ms: 3_000 });
    const queue = app.database.phoneQueue;
    let deepest = 0;
    const sampler = setInterval(() => {
      deepest = Math.max(deepest, queue.sizeOf(PHONE));
    }, 5);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const latencies: number[] = [];
    let refused = 0;
    let redelivered = 0;
    let next = 0;
    const worker = async () => {
      while (next < MESSAGES) {
        const i = next;
        next += 1;
        const startedAt = performance.now();
        const sid = newMessageSid();
        // A connection reset or a 408 (this process is both ends, on a busy machine) is delivered again, as Twilio
        // would.
        const deliver = () =>
          app
            .sms(PHONE, i === 0 ? "flood@example.com" : `flood ${i}`, { MessageSid: sid, SmsSid: sid })
            .catch(() => ({ status: 408, replies: [] as string[] }));
        let result = await deliver();
        while (result.status === 408) {
          redelivered += 1;
          result = await deliver();
        }
        latencies.push(performance.now() - startedAt);
        expect(result.status).toBe(200);
        if (result.replies[0] === BUILT_IN_CATALOGS.en.tooManyAtOnce) refused += 1;
        deepest = Math.max(deepest, queue.sizeOf(PHONE));
        if (i % 500 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }
    };
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    } finally {
      clearInterval(sampler);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] ?? 0);
    const inbound = await app.db
      .selectFrom("messages")
      .select("twilio_sid")
      .where("phone", "=", PHONE)
      .where("direction", "=", "in")
      .execute();
    const row = await app.state(PHONE);
    console.log(
      `${MESSAGES} messages from one phone, ${IN_FLIGHT} in flight: deepest queue ${deepest} (bound ${PHONE_BACKLOG}), ` +
        `${refused} answered at once as too many, ${MESSAGES - refused} ran a turn, ${redelivered} redelivered after ` +
        `a 408; latency p50 ${at(0.5)} ms, ` +
        `p99 ${at(0.99)} ms, max ${at(1)} ms; RSS ${Math.round(rssBefore / 2 ** 20)} -> peak ${Math.round(rssPeak / 2 ** 20)} MB ` +
        `(this process: service and client)`,
    );
    // How deep the queue gets depends on how fast the flood arrives (a busy machine sends it slower); past the bound
    // it never goes.
    expect(deepest).toBeLessThanOrEqual(PHONE_BACKLOG);
    expect(inbound).toHaveLength(MESSAGES + 1);
    expect(new Set(inbound.map((m) => m.twilio_sid)).size).toBe(MESSAGES + 1);
    // The SIGNUP and every message that ran a turn moved the conversation; the refused ones did not.
    expect(row?.row_version).toBe(1 + MESSAGES - refused);
    expect(queue.sizeOf(PHONE)).toBe(0);
    expect(app.service.engine.busyPhones).toBe(0);
  }, 300_000);
});
