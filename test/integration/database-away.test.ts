// PostgreSQL goes away (a restart, a failover) and comes back, or kills the service's connections mid-load:
// the service stays up, says so on /healthz, apologises for what it cannot do, and recovers by itself.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresAvailable } from "../support/databases.js";
import { newMessageSid } from "../support/service.js";
import { serviceBehindProxy } from "../support/service-test.js";

const hasPostgres = await postgresAvailable();
const SORRY = /Sorry, something went wrong on our side/;

describe.skipIf(!hasPostgres)("a PostgreSQL that goes away", () => {
  const cluster = serviceBehindProxy();

  const health = async () => (await fetch(`${cluster.app.url}/healthz`)).status;
  const sms = (phone: string, body: string, messageSid = newMessageSid()) =>
    cluster.app.sms(phone, body, { MessageSid: messageSid, SmsSid: messageSid });

  it("503 on /healthz and an apology while it is away, nothing stored; all well again within seconds of its return", async () => {
    const phone = "+14155559001";
    expect((await sms(phone, "SIGNUP")).replies[0]).toMatch(/email/);
    expect(await health()).toBe(200);

    cluster.proxy.cut();
    const awayAt = performance.now();
    expect(await health()).toBe(503);
    const healthMs = performance.now() - awayAt;
    const sid = newMessageSid();
    const apology = await sms(phone, "ana.away@example.com", sid);
    expect(apology.status).toBe(200);
    expect(apology.replies).toEqual([expect.stringMatching(SORRY)]);
    const anotherPhone = await sms("+14155559002", "SIGNUP");
    expect(anotherPhone.replies).toEqual([expect.stringMatching(SORRY)]);

    cluster.proxy.restore();
    const backAt = performance.now();
    await expect.poll(health, { timeout: 10_000, interval: 100 }).toBe(200);
    const recoveryMs = performance.now() - backAt;
    console.log(
      `database away: /healthz 503 after ${Math.round(healthMs)} ms; back: 200 after ${Math.round(recoveryMs)} ms`,
    );
    expect(recoveryMs).toBeLessThan(5_000);

    // Twilio redelivers the message that got the apology: it runs now, once.
    const redelivered = await sms(phone, "ana.away@example.com", sid);
    expect(redelivered.replies[0]).toMatch(/code/i);
    expect((await cluster.app.state(phone))?.state).toBe("awaitingCode");
    expect(
      await cluster.app.db.selectFrom("messages").select("id").where("twilio_sid", "=", sid).execute(),
    ).toHaveLength(1);
    expect((await sms("+14155559002", "SIGNUP")).replies[0]).toMatch(/email/);
  }, 30_000);

  it("connections killed by the server again and again under load: every message answered, none stored twice, all resting after", async () => {
    const phones = Array.from({ length: 10 }, (_, i) => `+1415555910${i}`);
    const killer = new pg.Client({ connectionString: cluster.directUrl });
    await killer.connect();
    let kills = 0;
    let loading = true;
    const killing = (async () => {
      while (loading) {
        await killer.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
        );
        kills += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    const apologised: { phone: string; body: string; sid: string }[] = [];
    let answered = 0;
    const sentBy = new Map<string, number>();
    try {
      await Promise.all(
        phones.map(async (phone) => {
          // A fast machine can finish a fixed number of messages between two kills: the load lasts until the
          // server has killed the connections a few times, with HELP (which changes nothing) after the first five,
          // so that the state at the end does not depend on how long that took.
          const bodies = ["SIGNUP", "not an email", "still not", "HELP", "nope"];
          for (let i = 0; i < bodies.length || kills < 4; i += 1) {
            const body = bodies[i] ?? "HELP";
            const sid = newMessageSid();
            const result = await sms(phone, body, sid);
            expect(result.status).toBe(200);
            answered += 1;
            sentBy.set(phone, (sentBy.get(phone) ?? 0) + 1);
            if (result.replies.some((reply) => SORRY.test(reply))) apologised.push({ phone, body, sid });
          }
        }),
      );
    } finally {
      loading = false;
      await killing;
      await killer.end();
    }
    // Twilio's redelivery of every apologised message, with the database left alone.
    for (const { phone, body, sid } of apologised)
      expect((await sms(phone, body, sid)).replies).not.toEqual([expect.stringMatching(SORRY)]);
    console.log(
      `connections killed ${kills} times under load: ${answered} answered, ${apologised.length} apologised and redelivered`,
    );
    expect(kills).toBeGreaterThanOrEqual(4);
    for (const phone of phones) {
      const inbound = await cluster.app.db
        .selectFrom("messages")
        .select(["twilio_sid"])
        .where("phone", "=", phone)
        .where("direction", "=", "in")
        .execute();
      expect(inbound).toHaveLength(sentBy.get(phone) ?? -1);
      expect(new Set(inbound.map((row) => row.twilio_sid)).size).toBe(inbound.length);
      expect((await cluster.app.state(phone))?.state).toBe("awaitingEmail");
    }
    expect(await health()).toBe(200);
  }, 60_000);
});
