// The minimal durable handler the service is measured against: the signature checked, the form read, and one WAL
// transaction of prepared statements (claim the MessageSid, upsert the conversation, store the inbound and the
// reply), then TwiML. What any webhook that keeps its messages has to do; nothing of the conversation.
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import SqliteDatabase from "better-sqlite3";
import { Hono } from "hono";
import { migrateToLatest } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import { WalCheckpointer } from "../../src/store/wal-checkpointer.js";
import { nodeHmacSha1 } from "../../src/twilio/node-hmac.js";
import { formParams, isValidSignature } from "../../src/twilio/signature.js";
import { messagingResponse } from "../../src/twilio/twiml.js";

const REPLY = "Welcome! What's your email address?";

export class BaselineServer {
  private constructor(
    readonly url: string,
    private readonly server: ServerType,
    private readonly sqlite: SqliteDatabase.Database,
    private readonly checkpointer: WalCheckpointer | null,
  ) {}

  /** On a fresh SQLite file with the service's own schema, so both write the same tables. */
  /**
   * `checkpointsInWorker`: the service's own WAL checkpointer too, for a second baseline that differs from the
   * service in nothing the database does (SQLite's default checkpoints inside a commit, with their fsyncs, otherwise).
   */
  static async start(
    databaseUrl: string,
    authToken: string,
    publicUrl: string,
    port = 0,
    checkpointsInWorker = false,
  ): Promise<BaselineServer> {
    const { db, dialect } = openDatabase(databaseUrl);
    await migrateToLatest(db, dialect);
    await db.destroy();
    const path = databaseUrl.slice("file:".length);
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    const checkpointer = checkpointsInWorker
      ? WalCheckpointer.start(sqlite, path, (error) => console.error(error))
      : null;
    const claim = sqlite.prepare(
      "insert into webhook_claims (message_sid, phone, status, replies, claimed_at, completed_at) values (?, ?, 'done', ?, ?, ?) on conflict do nothing",
    );
    const upsert = sqlite.prepare(
      `insert into conversations (phone, state, snapshot, machine_version, row_version, opted_out, created_at, updated_at, last_activity_at)
       values (?, 'awaitingEmail', null, 1, 1, 0, ?, ?, ?)
       on conflict (phone) do update set row_version = row_version + 1, updated_at = excluded.updated_at, last_activity_at = excluded.last_activity_at`,
    );
    const message = sqlite.prepare(
      "insert into messages (phone, direction, channel, body, twilio_sid, status, attempts, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 0, ?, ?)",
    );
    const turn = sqlite.transaction((sid: string, phone: string, body: string, now: number) => {
      if (claim.run(sid, phone, JSON.stringify([REPLY]), now, now).changes === 0) return;
      upsert.run(phone, now, now, now);
      message.run(phone, "in", "webhook", body, sid, "received", now, now);
      message.run(phone, "out", "twiml", REPLY, null, "replied", now, now);
    });

    const app = new Hono();
    app.post("/sms", async (c) => {
      const params = formParams(new URLSearchParams(await c.req.text()));
      if (
        !(await isValidSignature(
          authToken,
          c.req.header("X-Twilio-Signature"),
          `${publicUrl}/sms`,
          params,
          nodeHmacSha1,
        ))
      )
        return c.text("Forbidden", 403);
      turn(String(params.MessageSid), String(params.From), String(params.Body), Date.now());
      return c.body(messagingResponse([REPLY]), 200, { "Content-Type": "text/xml; charset=utf-8" });
    });
    const server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(started));
    });
    const address = server.address() as AddressInfo;
    return new BaselineServer(`http://127.0.0.1:${address.port}`, server, sqlite, checkpointer);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.checkpointer?.stop();
    this.sqlite.close();
  }
}

// Run as its own process by the benchmark: DATABASE_URL, PORT, TWILIO_AUTH_TOKEN, PUBLIC_URL.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const server = await BaselineServer.start(
    process.env.DATABASE_URL ?? "",
    process.env.TWILIO_AUTH_TOKEN ?? "",
    process.env.PUBLIC_URL ?? "",
    Number(process.env.PORT ?? 0),
    process.env.CHECKPOINTS === "worker",
  );
  console.log(`baseline listening on ${server.url}`);
}
