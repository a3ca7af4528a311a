import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_IN_CATALOGS } from "../../src/i18n/catalog.js";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { ServiceProcess } from "../support/service-process.js";

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)("two service processes on one PostgreSQL database", () => {
  let fake: FakeTwilio;
  let databaseUrl: string;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    fake = await FakeTwilio.start();
    databaseUrl = await freshPostgresUrl();
    const { db, dialect } = openDatabase(databaseUrl);
    await migrateToLatest(db, dialect);
    await db.destroy();
    services.push(await ServiceProcess.start(databaseUrl, fake.url), await ServiceProcess.start(databaseUrl, fake.url));
  }, 60_000);
  afterAll(async () => {
    for (const service of services) await service.stop();
    await fake.close();
    await dropPostgresDatabases();
  });

  const text = async (service: ServiceProcess, from: string, body: string) => {
    const { status, replies } = await service.text(from, body);
    expect(status).toBe(200);
    return replies;
  };

  it("hammering one phone through both, every message is one turn in order and no update is lost", async () => {
    const phone = "+14155554001";
    const [a, b] = services as [ServiceProcess, ServiceProcess];
    await text(a, phone, "SIGNUP");
    // 5 bad emails start the sign-up over; every message after that gets the first prompt.
    const replies = (
      await Promise.all(Array.from({ length: 30 }, (_, i) => text(i % 2 ? a : b, phone, `nope ${i}`)))
    ).map((r) => r[0] ?? "");
    // On a busy machine a message that waited past the phone's bound is answered at once and runs no turn: the
    // others still run one at a time, in order, none lost.
    const shed = replies.filter((r) => r === BUILT_IN_CATALOGS.en.tooManyAtOnce).length;
    expect(replies.filter((r) => r.startsWith("That doesn't look like an email"))).toHaveLength(4);
    expect(replies.filter((r) => r.startsWith("That's too many tries"))).toHaveLength(1);
    expect(replies.filter((r) => r.startsWith("Hi! Text SIGNUP"))).toHaveLength(25 - shed);

    // Provider turns too: both processes get a sign-up's email at once; one code goes out, the other is answered
    // from the state the first left.
    await text(a, phone, "SIGNUP");
    const [first, second] = await Promise.all([
      text(a, phone, "ana.pg@example.com"),
      text(b, phone, "ana.pg@example.com"),
    ]);
    expect([first[0], second[0]]).toContain(
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    );
    expect(fake.bodiesTo(phone).filter((body) => /code is \d{6}/.test(body))).toHaveLength(1);

    const { db } = openDatabase(databaseUrl);
    try {
      const row = await db.selectFrom("conversations").selectAll().where("phone", "=", phone).executeTakeFirstOrThrow();
      expect(row.row_version).toBe(34 - shed);
      expect(row.state).toBe("awaitingCode");
      expect(row.pending_call).toBeNull();
      const inbound = await db
        .selectFrom("messages")
        .select("id")
        .where("phone", "=", phone)
        .where("direction", "=", "in")
        .execute();
      expect(inbound).toHaveLength(34);
    } finally {
      await db.destroy();
    }
  }, 60_000);
});
