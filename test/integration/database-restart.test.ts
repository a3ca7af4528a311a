// Issue 10: PostgreSQL restarting (the cluster restarted, a failover) under load, and a PostgreSQL that stops
// answering without closing its sockets. The machine's cluster is shared, so a TCP proxy in front of it plays both:
// it cuts every connection and refuses new ones, then comes back; or it swallows every byte.
import { beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "../support/databases.js";
import { newMessageSid, productionEnv } from "../support/service.js";
import { serviceBehindProxy } from "../support/service-test.js";

const hasPostgres = await postgresAvailable();
const SORRY = /Sorry, something went wrong on our side/;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasPostgres)("a PostgreSQL cluster that restarts, or hangs", () => {
  const cluster = serviceBehindProxy((twilioUrl) => ({
    ...productionEnv(twilioUrl),
    CODES_PER_PREFIX_PER_HOUR: "1000",
    RESEND_COOLDOWN_SECONDS: "1",
  }));
  // As npm start runs it: the outbox's loop polls too, so a send whose bookkeeping met the database gone is retried.
  beforeAll(() => {
    cluster.app.service.dispatcher.start();
  });

  const health = async () => (await fetch(`${cluster.app.url}/healthz`)).status;

  /** Twilio's side: a message that got the apology is sent again by the person (as a new message). */
  async function until(phone: string, body: string, wanted: RegExp): Promise<number> {
    let apologies = 0;
    for (;;) {
      const sid = newMessageSid();
      const result = await cluster.app.sms(phone, body, { MessageSid: sid, SmsSid: sid });
      expect(result.status).toBe(200);
      if (!result.replies.some((reply) => SORRY.test(reply))) {
        expect([...result.replies, ""].some((reply) => wanted.test(reply))).toBe(true);
        return apologies;
      }
      apologies += 1;
      await pause(100);
    }
  }

  it("restarted three times while ten phones sign up: no crash, every phone verified once, healthy after", async () => {
    const phones = Array.from({ length: 10 }, (_, i) => `+1415555950${i}`);
    let apologies = 0;
    let restarts = 0;
    let signingUp = true;
    const restarting = (async () => {
      while (signingUp || restarts < 3) {
        await pause(300 + Math.random() * 500);
        cluster.proxy.cut();
        restarts += 1;
        await pause(500 + Math.random() * 500); // the cluster is down: connections refused
        cluster.proxy.restore();
      }
    })();
    try {
      await Promise.all(
        phones.map(async (phone, i) => {
          await pause(i * 150);
          apologies += await until(phone, "SIGNUP", /email/);
          apologies += await until(phone, `${phone.slice(-4)}@example.com`, /code/);
          // A code noted as sent whose commit met the database gone never left: the person asks for another.
          for (;;) {
            const deadline = performance.now() + 2_000;
            while (cluster.twilio.lastCodeTo(phone) === null && performance.now() < deadline) await pause(50);
            if (cluster.twilio.lastCodeTo(phone) !== null) break;
            await pause(1_100);
            apologies += await until(phone, "RESEND", /./);
          }
          // The right code is answered by the success SMS alone (no reply): anything but the apology will do.
          apologies += await until(phone, cluster.twilio.lastCodeTo(phone) ?? "", /^(?!Sorry)/);
        }),
      );
    } finally {
      signingUp = false;
      await restarting;
      cluster.proxy.restore();
    }
    await expect.poll(health, { timeout: 10_000, interval: 100 }).toBe(200);
    await expect
      .poll(() => phones.filter((p) => cluster.twilio.bodiesTo(p).some((b) => b.startsWith("You did it"))).length, {
        timeout: 15_000,
      })
      .toBe(phones.length);
    console.log(
      `cluster restarted ${restarts} times under load: ${apologies} apologies, all ${phones.length} verified`,
    );
    expect(restarts).toBeGreaterThanOrEqual(3);
    for (const phone of phones) {
      expect((await cluster.app.state(phone))?.state).toBe("verified");
      expect(cluster.twilio.bodiesTo(phone).filter((b) => b.startsWith("You did it"))).toHaveLength(1);
    }
  }, 120_000);

  it("hangs without closing its sockets: /healthz answers 503 within its bound every time, and 200 once it is back", async () => {
    expect(await health()).toBe(200);
    cluster.proxy.swallow();
    const took: number[] = [];
    // More probes than the pool has connections: hung ones must not make later probes wait longer.
    for (let i = 0; i < 14; i += 1) {
      const startedAt = performance.now();
      expect(await health()).toBe(503);
      took.push(performance.now() - startedAt);
    }
    const apology = await cluster.app.sms("+14155559600", "SIGNUP");
    expect(apology.status).toBe(200);
    expect(apology.replies).toEqual([expect.stringMatching(SORRY)]);
    cluster.proxy.restore();
    const backAt = performance.now();
    await expect.poll(health, { timeout: 15_000, interval: 100 }).toBe(200);
    console.log(
      `database hung: /healthz 503 in ${Math.round(Math.min(...took))}-${Math.round(Math.max(...took))} ms ` +
        `(14 probes); 200 again ${Math.round(performance.now() - backAt)} ms after it answered again`,
    );
    // The health check's own timeout is 2 s: a probe never waits for the database beyond it.
    expect(Math.max(...took)).toBeLessThan(5_000);
    expect((await cluster.app.sms("+14155559600", "SIGNUP")).replies[0]).toMatch(/email/);
  }, 60_000);
});
