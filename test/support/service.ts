import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerType } from "@hono/node-server";
import twilio from "twilio";
import { readApiReferenceAssets } from "../../src/admin/pages/api-reference-assets.js";
import { composeService, type Service } from "../../src/compose.js";
import { type Config, parseConfig } from "../../src/config.js";
import { KeyedLock } from "../../src/conversation/keyed-lock.js";
import { InProcessPhoneSerializer } from "../../src/conversation/phone-serializer.js";
import { type Clock, type ConversationStore, type Logger, systemClock } from "../../src/conversation/ports.js";
import { SmtpEmailSender } from "../../src/email/smtp-sender.js";
import { type ConnectionLimits, listen } from "../../src/http/node-server.js";
import { outboxBacklog } from "../../src/metrics/outbox-backlog.js";
import { PrometheusMetrics } from "../../src/metrics/prometheus.js";
import { nodeAdapters } from "../../src/node-adapters.js";
import { KyselyConversationStore } from "../../src/store/conversation-store.js";
import { migrateToLatest } from "../../src/store/migrations.js";
import { type OpenDatabase, openDatabase } from "../../src/store/node-database.js";
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_CREDENTIALS, TEST_TWILIO_NUMBER } from "./credentials.js";
import { parseReplies } from "./twiml.js";

export { parseReplies, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_TWILIO_NUMBER };
/** Twilio is configured with this public URL; the service itself listens on 127.0.0.1 behind "a proxy". */
export const PUBLIC_URL = "https://sms.example.test";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: object;
}

export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug = (fields: object, message: string) => this.push("debug", fields, message);
  info = (fields: object, message: string) => this.push("info", fields, message);
  warn = (fields: object, message: string) => this.push("warn", fields, message);
  error = (fields: object, message: string) => this.push("error", fields, message);
  /** Everything logged, as text, for "this secret never appears" checks. */
  get text(): string {
    return this.entries
      .map(
        (entry) => `${entry.message} ${JSON.stringify(entry.fields, (_k, v) => (v instanceof Error ? v.message : v))}`,
      )
      .join("\n");
  }
  private push(level: LogEntry["level"], fields: object, message: string) {
    this.entries.push({ level, fields, message });
  }
}

export class TestClock implements Clock {
  constructor(public current = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now = () => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Where a test service keeps its data unless the test says: a fresh SQLite file, or with TEST_DATABASE=postgres
 * a fresh Postgres database (npm test runs the end-to-end tests both ways).
 */
export async function defaultDatabaseUrl(): Promise<string> {
  if (process.env.TEST_DATABASE !== "postgres") return tempDatabaseUrl();
  const { freshPostgresUrl } = await import("./databases.js");
  return freshPostgresUrl();
}

export function tempDatabaseUrl(): string {
  return `file:${join(mkdtempSync(join(tmpdir(), "sms-signup-")), "test.sqlite")}`;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  databaseUrl?: string;
  clock?: Clock;
  limits?: Partial<ConnectionLimits>;
  /** Sees every statement's SQL. */
  onQuery?: (sql: string) => void;
  /** An adapter around the conversation's store (SQLite: one process, turns serialized in it), e.g. to fail it. */
  wrapStore?: (store: ConversationStore) => ConversationStore;
  /** No socket: requests go straight into the Hono app (`app.request`), for the webhook's edge cases. */
  inProcess?: boolean;
}

export interface SmsResult {
  status: number;
  contentType: string | null;
  text: string;
  replies: string[];
  messageSid: string;
}

let sidCounter = 0;
export const newMessageSid = () => {
  sidCounter += 1;
  return `SM${(Date.now().toString(16) + sidCounter.toString(16).padStart(8, "0") + Math.random().toString(16).slice(2)).padEnd(32, "0").slice(0, 32)}`;
};

/** Production-mode settings pointing at fakes: the default for tests that assert what was sent. */
export function productionEnv(twilioUrl: string): Record<string, string> {
  return { ...TEST_CREDENTIALS, TWILIO_API_BASE_URL: twilioUrl };
}

/** Twilio's side of a service on real HTTP, whichever runtime serves it (Node here, Workers in worker-process.ts). */
export class WebhookClient {
  constructor(
    readonly url: string,
    readonly config: Config,
    /** How a request reaches the service: over the network, or into the app in-process (`app.request`). */
    readonly request: (path: string, init?: RequestInit) => Promise<Response> = (path, init) =>
      fetch(`${url}${path}`, init),
  ) {}

  /** Texts the service as Twilio would deliver it: form-encoded, signed with the twilio SDK's own signer. */
  async sms(from: string, body: string, extra: Record<string, string> = {}): Promise<SmsResult> {
    const params = {
      MessageSid: newMessageSid(),
      SmsSid: "",
      AccountSid: this.config.twilio.accountSid,
      From: from,
      To: TEST_TWILIO_NUMBER,
      Body: body,
      NumMedia: "0",
      NumSegments: "1",
      ApiVersion: "2010-04-01",
      ...extra,
    };
    params.SmsSid = params.MessageSid;
    return this.post("/sms", params);
  }

  async post(path: string, params: Record<string, string>, signature?: string): Promise<SmsResult> {
    const sig =
      signature ?? twilio.getExpectedTwilioSignature(this.config.twilio.authToken, `${PUBLIC_URL}${path}`, params);
    const response = await this.request(path, {
      method: "POST",
      headers: { "X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      text,
      replies: parseReplies(text),
      messageSid: params.MessageSid ?? "",
    };
  }
}

/** The whole service on real HTTP (127.0.0.1, random port) over a real SQLite file (or Postgres). */
export class RunningService extends WebhookClient {
  private constructor(
    url: string,
    config: Config,
    readonly database: OpenDatabase,
    readonly service: Service,
    readonly logger: MemoryLogger,
    private readonly server: ServerType | null,
  ) {
    super(url, config, server ? undefined : async (path, init) => service.app.request(path, init));
  }

  static async start(options: StartOptions = {}): Promise<RunningService> {
    const databaseUrl = options.databaseUrl ?? (await defaultDatabaseUrl());
    const config = parseConfig({ PUBLIC_URL, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent", ...options.env });
    const logger = new MemoryLogger();
    const database = openDatabase(config.databaseUrl, {
      onConnectionError: (error) => logger.warn({ err: error }, "database connection lost"),
      onQuery: options.onQuery,
    });
    await migrateToLatest(database.db, database.dialect);
    const service = composeService({
      config,
      db: database.db,
      sideDb: database.sideDb,
      logger,
      // As src/node.ts wires it: prom-client, the outboxes read from this database.
      metrics: new PrometheusMetrics(() => outboxBacklog(database.db), options.clock ?? systemClock),
      clock: options.clock,
      dialect: database.dialect,
      phoneQueue: database.phoneQueue,
      serializer: options.wrapStore
        ? new InProcessPhoneSerializer(options.wrapStore(new KyselyConversationStore(database.db)), new KeyedLock())
        : undefined,
      apiReference: readApiReferenceAssets(),
      smtp: (smtpOptions) => new SmtpEmailSender(smtpOptions),
      ...nodeAdapters,
    });
    if (options.inProcess) return new RunningService(PUBLIC_URL, config, database, service, logger, null);
    const { server, address } = await listen({
      fetch: service.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      limits: options.limits,
    });
    const { port } = address;
    return new RunningService(`http://127.0.0.1:${port}`, config, database, service, logger, server);
  }

  get db() {
    return this.database.db;
  }

  async state(phone: string) {
    return this.db.selectFrom("conversations").selectAll().where("phone", "=", phone).executeTakeFirst();
  }

  /** The bodies of the inbound messages stored, oldest first: a phone's, or those under one MessageSid. */
  async inbound(of: { phone: string } | { messageSid: string }): Promise<string[]> {
    const inbound = this.db.selectFrom("messages").select("body").where("direction", "=", "in");
    const rows = await ("phone" in of
      ? inbound.where("phone", "=", of.phone)
      : inbound.where("twilio_sid", "=", of.messageSid)
    )
      .orderBy("id")
      .execute();
    return rows.map((row) => row.body);
  }

  async stop(): Promise<void> {
    const { server } = this;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.service.dispatcher.stop();
    await this.service.emailDispatcher?.stop();
    await this.service.webhookDispatcher?.stop();
    await this.database.db.destroy();
    if (this.database.sideDb !== this.database.db) await this.database.sideDb.destroy();
  }
}
