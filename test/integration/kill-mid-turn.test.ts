// Row 3 of issue 10: kill -9 with a phone mid-turn (its code SMS in flight), and at once (SQLite: after a restart;
// PostgreSQL: on the other instance, the dead one not restarted) that phone's next message, its redelivery and an
// operator's reset and erasure are handled normally: no lease or claim of the dead process holds them up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { ADMIN_TOKEN, adminApi } from "../support/admin.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { newMessageSid, tempDatabaseUrl } from "../support/service.js";
import { ServiceProcess } from "../support/service-process.js";

const hasPostgres = await postgresAvailable();
const CODE_SMS = /code is \d{6}/;

const timed = async <T>(action: () => Promise<T>): Promise<[T, number]> => {
  const startedAt = performance.now();
  const result = await action();
  return [result, performance.now() - startedAt];
};

describe.each([
  { name: "SQLite", instances: 1 },
  { name: "PostgreSQL, a second instance alive", instances: 2 },
])("kill -9 with a phone mid-turn ($name)", ({ name, instances: count }) => {
  const skip = count === 2 && !hasPostgres;
  let twilio: FakeTwilio;
  const instances: ServiceProcess[] = [];
  let databaseUrl: string;

  beforeAll(async () => {
    if (skip) return;
    twilio = await FakeTwilio.start();
    databaseUrl = count === 2 ? await freshPostgresUrl() : tempDatabaseUrl();
    const { db, dialect } = openDatabase(databaseUrl);
    await migrateToLatest(db, dialect);
    await db.destroy();
    for (let i = 0; i < count; i += 1)
      instances.push(await ServiceProcess.start(databaseUrl, twilio.url, { ADMIN_TOKEN }));
  }, 60_000);
  afterAll(async () => {
    if (skip) return;
    for (const instance of instances) await instance.stop();
    await twilio.close();
    if (count === 2) await dropPostgresDatabases();
  });

  it.skipIf(skip)(
    "the next message, the redelivery, a reset and an erasure are answered normally at once",
    async () => {
      const phone = "+14155558001";
      const [victim] = instances as [ServiceProcess];
      expect((await victim.text(phone, "SIGNUP")).replies[0]).toMatch(/email/);
      // The code SMS hangs at Twilio: the turn is mid-call (the phone held, its claim processing) when it dies.
      twilio.faults.messages.push({ kind: "delay", ms: 5_000 });
      const sid = newMessageSid();
      const dying = victim.text(phone, "mid@example.com", sid).catch(() => null);
      await expect
        .poll(() => twilio.requests.some((r) => CODE_SMS.test(r.form.get("Body") ?? "")), { timeout: 15_000 })
        .toBe(true);
      await victim.kill9();
      expect(await dying).toBeNull();
      const database = openDatabase(databaseUrl);
      try {
        const claim = await database.db
          .selectFrom("webhook_claims")
          .select("status")
          .where("message_sid", "=", sid)
          .executeTakeFirst();
        expect(claim?.status).toBe("processing");
      } finally {
        await database.db.destroy();
      }

      // SQLite: one process owns the file, so it is restarted; PostgreSQL: the other instance carries on.
      if (count === 1) await victim.restart();
      const survivor = instances[count - 1] as ServiceProcess;
      const [redelivered, redeliveryMs] = await timed(() => survivor.text(phone, "mid@example.com", sid));
      expect(redelivered.replies).toEqual([expect.stringMatching(/We sent you a code/)]);
      const [help, helpMs] = await timed(() => survivor.text(phone, "HELP"));
      expect(help.replies[0]).toMatch(/STOP/);
      const [reset, resetMs] = await timed(() =>
        adminApi(survivor, `/conversations/${encodeURIComponent(phone)}/reset`, { method: "POST" }),
      );
      expect(reset.status).toBe(200);
      const [erased, eraseMs] = await timed(() =>
        adminApi(survivor, `/conversations/${encodeURIComponent(phone)}`, { method: "DELETE" }),
      );
      expect(erased.status).toBe(200);
      console.log(
        `kill -9 mid-turn (${name}): redelivery ${Math.round(redeliveryMs)} ms, next message ${Math.round(helpMs)} ms, ` +
          `reset ${Math.round(resetMs)} ms, erase ${Math.round(eraseMs)} ms`,
      );
      // A phone stuck behind the dead turn would wait out the turn timeout (12 s) and get the apology, or a 500; the
      // goal is 2 s (the figures above), the bound here leaves room for a machine shared with other busy work.
      for (const ms of [redeliveryMs, helpMs, resetMs, eraseMs]) expect(ms).toBeLessThan(10_000);
      // Requests as they arrive (the first one is still held by the fake): one code SMS, never a second.
      expect(
        twilio.requests.filter((r) => r.form.get("To") === phone && CODE_SMS.test(r.form.get("Body") ?? "")),
      ).toHaveLength(1);
      if (count === 2) await victim.restart();
    },
    60_000,
  );
});
