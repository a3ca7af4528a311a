import { spawn } from "node:child_process";
import { createServer } from "node:net";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { newMessageSid, PUBLIC_URL, parseReplies, productionEnv, TEST_AUTH_TOKEN } from "../support/service.js";

const hasPostgres = await postgresAvailable();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm start` as its own process on the given database. */
async function startService(databaseUrl: string, twilioUrl: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      ...productionEnv(twilioUrl),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL,
      PORT: String(port),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, child };
}

describe.skipIf(!hasPostgres)("two service processes on one PostgreSQL database", () => {
  let fake: FakeTwilio;
  let databaseUrl: string;
  const services: Awaited<ReturnType<typeof startService>>[] = [];

  beforeAll(async () => {
    fake = await FakeTwilio.start();
    databaseUrl = await freshPostgresUrl();
    const { db, dialect } = openDatabase(databaseUrl);
    await migrateToLatest(db, dialect);
    await db.destroy();
    services.push(await startService(databaseUrl, fake.url), await startService(databaseUrl, fake.url));
  }, 60_000);
  afterAll(async () => {
    for (const { child } of services) {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    }
    await fake.close();
    await dropPostgresDatabases();
  });

  const text = async (url: string, from: string, body: string) => {
    const params = { MessageSid: newMessageSid(), From: from, To: "+15005550006", Body: body };
    const response = await fetch(`${url}/sms`, {
      method: "POST",
      headers: {
        "X-Twilio-Signature": twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_URL}/sms`, params),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(params),
    });
    expect(response.status).toBe(200);
    return parseReplies(await response.text());
  };

  it("hammering one phone through both, every message is one turn in order and no update is lost", async () => {
    const phone = "+14155554001";
    const [a, b] = services.map((s) => s.url) as [string, string];
    await text(a, phone, "SIGNUP");
    // 5 bad emails start the sign-up over; every message after that gets the first prompt.
    const replies = (
      await Promise.all(Array.from({ length: 30 }, (_, i) => text(i % 2 ? a : b, phone, `nope ${i}`)))
    ).map((r) => r[0] ?? "");
    expect(replies.filter((r) => r.startsWith("That doesn't look like an email"))).toHaveLength(4);
    expect(replies.filter((r) => r.startsWith("That's too many tries"))).toHaveLength(1);
    expect(replies.filter((r) => r.startsWith("Hi! Text SIGNUP"))).toHaveLength(25);

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
      expect(row.row_version).toBe(34);
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
