import { type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { Logger } from "../conversation/ports.js";

export type SqlDialectName = "sqlite" | "postgres";
// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then, not the current Database type
type Db = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: a table being created has no type yet
type TableBuilder = CreateTableBuilder<any, any>;

export interface MigrationOptions {
  /** Hears what a migration chose to skip rather than fail the start with; console.warn unless given. */
  warn?: Logger["warn"];
}

/**
 * PostgreSQL's trigram indexes for the operators' text search, on the very expressions AdminQueries compares
 * (`lower(column) like '%fragment%'`): an index on another expression (the column itself, or a coalesce) is one the
 * planner cannot use for that query.
 */
export const POSTGRES_SEARCH_INDEXES: Record<string, string> = {
  conversations_phone_trgm: "conversations using gin (lower(phone) gin_trgm_ops)",
  conversations_email_trgm: "conversations using gin (lower(email) gin_trgm_ops)",
  users_email_trgm: "users using gin (lower(email) gin_trgm_ops)",
};
const createSearchIndexes = Object.entries(POSTGRES_SEARCH_INDEXES).map(
  ([name, on]) => `create index ${name} on ${on}`,
);

/** Migrations live in code (no directory to read), so the same list serves Node, tests and bundles. */
export function migrationProvider(dialect: SqlDialectName, options: MigrationOptions = {}): MigrationProvider {
  const warn = options.warn ?? ((fields: object, message: string) => console.warn(message, fields));
  const millis = dialect === "postgres" ? "bigint" : "integer";
  const id = (db: Db, table: string) =>
    dialect === "postgres"
      ? db.schema.createTable(table).addColumn("id", "bigserial", (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
  // The helpers below add columns in the order given: that order is the table's, so a migration's SQL never changes.
  /** Text columns every row fills in. */
  const texts =
    (...names: string[]) =>
    (table: TableBuilder) =>
      names.reduce((built, name) => built.addColumn(name, "text", (c) => c.notNull()), table);
  /** When a row was made and last changed. */
  const timestamps = (table: TableBuilder) =>
    table.addColumn("created_at", millis, (c) => c.notNull()).addColumn("updated_at", millis, (c) => c.notNull());
  /** An outbox row's tries so far, and when the next is due (a claimed SMS's lease). */
  const attempts = (table: TableBuilder) =>
    table.addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0)).addColumn("next_attempt_at", millis);
  const index = (db: Db, table: string, name: string, columns: string[]) =>
    db.schema.createIndex(`${table}_${name}`).on(table).columns(columns).execute();
  /**
   * A table of things owed until delivered (product_webhooks, email_outbox): a key of its own, the phone, what it
   * carries, and where its delivery stands; with `outboxIndexes`, what a dispatcher and the phone's timeline read.
   */
  const outbox = (db: Db, table: string, key: string, ...carries: string[]) =>
    id(db, table)
      .addColumn(key, "text", (c) => c.notNull().unique())
      .$call(texts("phone", ...carries, "status"))
      .$call(attempts);
  const outboxIndexes = async (db: Db, table: string) => {
    await index(db, table, "due", ["status", "next_attempt_at"]);
    await index(db, table, "phone", ["phone", "id"]);
  };

  const migrations: Record<string, Migration> = {
    "0001_conversations": {
      async up(db) {
        await db.schema
          .createTable("conversations")
          .addColumn("phone", "text", (c) => c.primaryKey())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("snapshot", "text")
          .addColumn("machine_version", "integer", (c) => c.notNull())
          .addColumn("row_version", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("opted_out", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("email", "text")
          .addColumn("lease_owner", "text")
          .addColumn("lease_until", millis)
          .$call(timestamps)
          .addColumn("last_activity_at", millis, (c) => c.notNull())
          .execute();
        await index(db, "conversations", "state", ["state", "last_activity_at"]);
        await index(db, "conversations", "activity", ["last_activity_at", "phone"]);

        await id(db, "users")
          .addColumn("phone", "text", (c) => c.notNull().unique())
          .$call(texts("country_code", "national_number", "email"))
          .addColumn("provider_id", "text")
          .addColumn("verified_at", millis)
          .$call(timestamps)
          .execute();
        await index(db, "users", "email", ["email", "verified_at"]);

        await id(db, "messages")
          .$call(texts("phone", "direction", "channel", "body"))
          .addColumn("twilio_sid", "text")
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("error_code", "integer")
          .addColumn("error_message", "text")
          .$call(attempts)
          .$call(timestamps)
          .execute();
        await index(db, "messages", "phone", ["phone", "id"]);
        await index(db, "messages", "outbox", ["status", "next_attempt_at"]);
        await index(db, "messages", "sid", ["twilio_sid"]);

        await id(db, "transitions")
          .$call(texts("phone", "from_state", "event", "to_state"))
          .addColumn("at", millis, (c) => c.notNull())
          .execute();
        await index(db, "transitions", "phone", ["phone", "id"]);

        await db.schema
          .createTable("webhook_claims")
          .addColumn("message_sid", "text", (c) => c.primaryKey())
          .$call(texts("phone", "status"))
          .addColumn("replies", "text")
          .addColumn("claimed_at", millis, (c) => c.notNull())
          .addColumn("completed_at", millis)
          .execute();
        await index(db, "webhook_claims", "claimed", ["claimed_at"]);
      },
      async down(db) {
        for (const table of ["webhook_claims", "transitions", "messages", "users", "conversations"]) {
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
    },
    "0002_erasures": {
      async up(db) {
        await id(db, "erasures")
          .$call(texts("phone_hint", "operator"))
          .addColumn("erased_at", millis, (c) => c.notNull())
          .addColumn("removed", "text", (c) => c.notNull())
          .execute();
      },
      async down(db) {
        await db.schema.dropTable("erasures").ifExists().execute();
      },
    },
    "0003_one_commit_per_turn": {
      async up(db) {
        // Turns are serialized by a PhoneSerializer now, not by a lease row: the lease columns go.
        await db.schema.alterTable("conversations").dropColumn("lease_owner").execute();
        await db.schema.alterTable("conversations").dropColumn("lease_until").execute();
        await db.schema.alterTable("conversations").addColumn("pending_call", "text").execute();
      },
      async down(db) {
        await db.schema.alterTable("conversations").dropColumn("pending_call").execute();
        await db.schema.alterTable("conversations").addColumn("lease_owner", "text").execute();
        await db.schema.alterTable("conversations").addColumn("lease_until", millis).execute();
      },
    },
    "0004_language_and_channel": {
      async up(db) {
        // Null: not chosen by the person, so the phone's country (or DEFAULT_LANGUAGE) decides at each turn.
        await db.schema.alterTable("conversations").addColumn("language", "text").execute();
        await db.schema
          .alterTable("conversations")
          .addColumn("channel", "text", (c) => c.notNull().defaultTo("sms"))
          .execute();
        await db.schema
          .alterTable("messages")
          .addColumn("medium", "text", (c) => c.notNull().defaultTo("sms"))
          .execute();
      },
      async down(db) {
        await db.schema.alterTable("messages").dropColumn("medium").execute();
        await db.schema.alterTable("conversations").dropColumn("channel").execute();
        await db.schema.alterTable("conversations").dropColumn("language").execute();
      },
    },
    "0005_operator_list_at_scale": {
      async up(db) {
        // Each list filter walks an index in the list's own order (newest activity first) and stops at a page.
        await db.schema.dropIndex("conversations_state").execute();
        await index(db, "conversations", "state", ["state", "last_activity_at", "phone"]);
        await index(db, "conversations", "opted_out", ["opted_out", "last_activity_at", "phone"]);
      },
      async down(db) {
        await db.schema.dropIndex("conversations_opted_out").execute();
      },
    },
    // What the product must learn (a verification, a reset, an erasure), kept until its endpoint answers 2xx.
    "0006_product_webhooks": {
      async up(db) {
        await outbox(db, "product_webhooks", "webhook_id", "type", "payload")
          .addColumn("give_up_at", millis, (c) => c.notNull())
          .addColumn("last_error", "text")
          .addColumn("held_message_id", "integer")
          .$call(timestamps)
          .addColumn("delivered_at", millis)
          .execute();
        await outboxIndexes(db, "product_webhooks");
      },
      async down(db) {
        await db.schema.dropTable("product_webhooks").ifExists().execute();
      },
    },
    // The SMS pumping defences: codes counted per prefix and country (no full number kept), operators' allowances.
    "0007_send_guard": {
      async up(db) {
        await id(db, "code_sends")
          .addColumn("prefix", "text", (c) => c.notNull())
          .addColumn("country", "text")
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("reason", "text")
          .addColumn("at", millis, (c) => c.notNull())
          .execute();
        await index(db, "code_sends", "at", ["at", "outcome"]);
        await index(db, "code_sends", "prefix", ["prefix", "at"]);
        await index(db, "code_sends", "country", ["country", "at"]);
        await id(db, "send_allowances")
          .addColumn("pattern", "text", (c) => c.notNull().unique())
          .addColumn("note", "text")
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .execute();
      },
      async down(db) {
        await db.schema.dropTable("send_allowances").ifExists().execute();
        await db.schema.dropTable("code_sends").ifExists().execute();
      },
    },
    // Operator sign-ins kept server-side (only an HMAC of the cookie's secret), so signing out can end one or all.
    "0008_operator_sessions": {
      async up(db) {
        await db.schema
          .createTable("operator_sessions")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("expires_at", millis, (c) => c.notNull())
          .execute();
      },
      async down(db) {
        await db.schema.dropTable("operator_sessions").ifExists().execute();
      },
    },
    // State and opted-out together walk one index in the list's order: with either index alone, a pair few rows
    // match read every row of the other filter (half a second at a million conversations).
    "0009_operator_state_and_opt_out": {
      async up(db) {
        await index(db, "conversations", "opted_out_state", ["opted_out", "state", "last_activity_at", "phone"]);
      },
      async down(db) {
        await db.schema.dropIndex("conversations_opted_out_state").execute();
      },
    },
    // The email step: emails owed (a code, or a notice to an address's owner), kept until the transport takes them,
    // and when a user's email was proven.
    "0010_email_outbox": {
      async up(db) {
        await outbox(db, "email_outbox", "ref", "kind", "to_address", "language", "subject", "body_text", "body_html")
          .addColumn("transport_id", "text")
          .addColumn("last_error", "text")
          .$call(timestamps)
          .execute();
        await outboxIndexes(db, "email_outbox");
        await db.schema.alterTable("users").addColumn("email_verified_at", millis).execute();
      },
      async down(db) {
        await db.schema.alterTable("users").dropColumn("email_verified_at").execute();
        await db.schema.dropTable("email_outbox").ifExists().execute();
      },
    },
    // PostgreSQL only: SQLite's search is its FTS5 table (ensureSqliteSearch), and D1 gets no file for this.
    ...(dialect === "postgres" ? { "0011_postgres_text_search": postgresTextSearch(warn) } : {}),
  };
  return { getMigrations: async () => migrations };
}

/**
 * An operator's phone or email fragment (`q`) found through pg_trgm's trigram indexes instead of a read of every row
 * (1-3 s at a million conversations). A managed database may refuse the extension (not installed, or a role that may
 * not create it): the start goes on without the indexes, and `q` still answers, by scanning. The migrator runs every
 * migration inside one transaction, where a failed statement would abort the rest; a savepoint confines it.
 */
function postgresTextSearch(warn: Logger["warn"]): Migration {
  return {
    async up(db) {
      await sql`savepoint text_search`.execute(db);
      try {
        await sql`create extension if not exists pg_trgm`.execute(db);
        for (const statement of createSearchIndexes) await sql.raw(statement).execute(db);
        await sql`release savepoint text_search`.execute(db);
      } catch (error) {
        await sql`rollback to savepoint text_search`.execute(db);
        warn(
          {
            reason: error instanceof Error ? error.message : String(error),
            fix: `as a role that may: create extension pg_trgm; ${createSearchIndexes.join("; ")};`,
          },
          "PostgreSQL's trigram indexes were not made: operators' text search (q) reads every conversation",
        );
      }
    },
    async down(db) {
      // The extension stays: something else in the database may use it.
      for (const index of Object.keys(POSTGRES_SEARCH_INDEXES)) await db.schema.dropIndex(index).ifExists().execute();
    },
  };
}

/** Brings the schema up to date; a failed migration stops the start with its error. */
export async function migrateToLatest(
  db: Db,
  dialect: SqlDialectName,
  options: MigrationOptions = {},
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect, options) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  if (dialect === "sqlite") await ensureSqliteSearch(db);
  return (results ?? []).filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/**
 * A phone or email fragment in the operators' list: a trigram index (SQLite's FTS5) answers LIKE '%fragment%'
 * without reading every row. Node's SQLite only (D1 counts the index's own writes as changed rows), so it is made
 * here, idempotently, rather than by a migration D1 also runs.
 */
async function ensureSqliteSearch(db: Db): Promise<void> {
  const exists = await sql`select 1 from sqlite_master where name = 'conversation_search'`.execute(db);
  if (exists.rows.length > 0) return;
  const text = (rowid: string) =>
    sql.raw(`(select lower(c.phone) || char(10) || lower(coalesce(c.email, '')) || char(10) ||
      lower(coalesce((select u.email from users u where u.phone = c.phone), ''))
      from conversations c where c.rowid = ${rowid})`);
  const ofUser = "(select rowid from conversations where phone = new.phone)";
  await db.transaction().execute(async (trx) => {
    await sql`create virtual table conversation_search using fts5(text, tokenize = 'trigram')`.execute(trx);
    await sql`create trigger conversation_search_insert after insert on conversations begin
      insert into conversation_search (rowid, text) values (new.rowid, ${text("new.rowid")}); end`.execute(trx);
    await sql`create trigger conversation_search_update after update of email on conversations
      when old.email is not new.email begin
      update conversation_search set text = ${text("new.rowid")} where rowid = new.rowid; end`.execute(trx);
    await sql`create trigger conversation_search_delete after delete on conversations begin
      delete from conversation_search where rowid = old.rowid; end`.execute(trx);
    for (const [name, event] of [
      ["conversation_search_user_insert", "insert"],
      ["conversation_search_user_update", "update of email"],
    ] as const) {
      await sql`create trigger ${sql.raw(name)} after ${sql.raw(event)} on users begin
        update conversation_search set text = ${text(ofUser)} where rowid = ${sql.raw(ofUser)}; end`.execute(trx);
    }
    await sql`insert into conversation_search (rowid, text)
      select c.rowid, ${text("c.rowid")} from conversations c`.execute(trx);
  });
}
