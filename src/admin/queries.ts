// The operators' read model: plain Kysely queries over the tables the conversation writes. Nothing here writes.
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import { E164, languageOfPhone } from "../conversation/phone.js";
import { restoreSnapshot } from "../conversation/restore.js";
import type { Language } from "../i18n/languages.js";
import { base64url, fromBase64url } from "../security/base64.js";
import { toConversationRecord } from "../store/conversation-record.js";
import type { SqlDialectName } from "../store/migrations.js";
import { type Database, fromFlag, toFlag } from "../store/schema.js";
import { isInstant, type ListQuery, toIso, toIsoOrNull, toOperatorContext } from "./schemas.js";

const textToBase64url = (text: string) => base64url(new TextEncoder().encode(text));
const textFromBase64url = (text: string) => new TextDecoder().decode(fromBase64url(text));

export interface Cursor {
  at: number;
  phone: string;
}

/** Opaque to clients: base64url of the last row's sort key. */
export const encodeCursor = (cursor: Cursor) => textToBase64url(JSON.stringify([cursor.at, cursor.phone]));

export function decodeCursor(text: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(textFromBase64url(text));
    // Only what we could have made: a whole-millisecond instant and an E.164 phone, which every database can compare.
    const [at, phone] = Array.isArray(value) ? value : [];
    if (typeof at === "number" && isInstant(at) && typeof phone === "string" && E164.test(phone)) return { at, phone };
  } catch {
    // fall through: a cursor we did not make
  }
  return null;
}

export const DEFAULT_DETAIL_LIMIT = 100;

export interface DetailPage {
  limit: number;
  /** `older` of the page after this one. */
  before?: string | undefined;
}

/** Where the next older page of a conversation starts; null once that list has no more. */
interface DetailCursor {
  /** The oldest line shown: its time, in-before-out rank, and id. */
  messages: [number, number, number] | null;
  /** The oldest transition shown. */
  transitions: number | null;
}

const encodeDetailCursor = (cursor: DetailCursor) =>
  textToBase64url(JSON.stringify([cursor.messages, cursor.transitions]));

function decodeDetailCursor(text: string): DetailCursor | null {
  try {
    const value: unknown = JSON.parse(textFromBase64url(text));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [messages, transitions] = value as unknown[];
    const messagesOk =
      messages === null || (Array.isArray(messages) && messages.length === 3 && messages.every(isInstant));
    const transitionsOk = transitions === null || (typeof transitions === "number" && isInstant(transitions));
    if (!messagesOk || !transitionsOk || (messages === null && transitions === null)) return null;
    return { messages: messages as DetailCursor["messages"], transitions: transitions as number | null };
  } catch {
    return null;
  }
}

export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
}

export type FunnelStepName = "started" | "emailGiven" | "codeSent" | "verified";
const FUNNEL: FunnelStepName[] = ["started", "emailGiven", "codeSent", "verified"];

/** Past this many rows a search fragment is common: the list walks newest first instead of sorting every hit. */
const FEW_HITS = 5_000;

/**
 * A column contains a LIKE pattern, ignoring case: lower-cased on both sides, as SQLite's LIKE ignores ASCII case and
 * PostgreSQL's does not. `lower(column)` is exactly the expression PostgreSQL's trigram indexes are on (a null
 * column matches nothing, as it must).
 */
const matches = (column: string, pattern: string) =>
  sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;

export class AdminQueries {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName = "postgres",
    /** DEFAULT_LANGUAGE: what a phone whose country suggests none of ours is written in. */
    private readonly defaultLanguage: Language = "en",
  ) {}

  /** The language the bot writes to this phone in, whether its person chose it, and the channel they last used. */
  private speech(row: { phone: string; language: Language | null; channel: "sms" | "whatsapp" }) {
    return {
      language: languageOfPhone(row.phone, row.language, this.defaultLanguage),
      languageChosen: row.language !== null,
      channel: row.channel,
    };
  }

  /**
   * Which conversations a fragment (lower-cased) matches, as a condition on `c` and `u`. A rare fragment: its rows
   * straight from a trigram index, sorted by the list. A common one (more than FEW_HITS rows), or one no index can
   * answer: a filter for the list's newest-first walk, which then finds a page of matches soon.
   */
  private async searchCondition(fragment: string): Promise<RawBuilder<SqlBool>> {
    // The fragment is text, not a pattern: LIKE's wildcards in it are escaped.
    const pattern = `%${fragment.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const walk = (users: RawBuilder<SqlBool>) =>
      sql<SqlBool>`(${matches("c.phone", pattern)} or ${matches("c.email", pattern)} or ${users})`;
    const walkAll = walk(matches("u.email", pattern));
    // Trigrams need three characters.
    if (fragment.length < 3) return walkAll;
    if (this.dialect === "sqlite") {
      // SQLite's FTS5 table (ensureSqliteSearch); LIKE's own wildcards in the fragment are left to the walk.
      if (/[\\%_]/.test(fragment)) return walkAll;
      const hits = await sql<{ rowid: number }>`select rowid from conversation_search
        where text like ${`%${fragment}%`} limit ${FEW_HITS + 1}`.execute(this.db);
      if (hits.rows.length > FEW_HITS) return walkAll;
      return sql<SqlBool>`c.rowid in (${sql.join(hits.rows.length > 0 ? hits.rows.map((row) => row.rowid) : [-1])})`;
    }
    // PostgreSQL's pg_trgm indexes (migration 0011), one per column: an OR across the join would read every row, a
    // union of three index scans does not. Each is capped, so a common fragment stops early. Without the indexes (an
    // extension the database refused) they are scans, stopping as early for a common fragment as the walk would.
    const branch = (table: "conversations" | "users", column: string) =>
      sql`(select phone, ${sql.lit(table === "users")} as of_user from ${sql.table(table)}
        where ${matches(column, pattern)} limit ${FEW_HITS + 1})`;
    // Phones found twice (a conversation's email is usually its user's too) count once: grouped by hashing, as
    // sorting thousands of phones by the database's collation took longer than the index scans.
    const found = await sql<{ phones: string[] | null; users: string[] | null }>`
      select case when count(*) <= ${FEW_HITS} then coalesce(array_agg(phone), '{}') end as phones,
        case when count(*) filter (where of_user) <= ${FEW_HITS}
          then coalesce(array_agg(phone) filter (where of_user), '{}') end as users
      from (select phone, bool_or(of_user) as of_user
        from (${branch("conversations", "phone")} union all ${branch("conversations", "email")}
          union all ${branch("users", "email")}) hits
        group by phone) distinct_hits`.execute(this.db);
    const { phones, users } = found.rows[0] ?? { phones: null, users: null };
    if (phones !== null) return sql<SqlBool>`c.phone = any(${phones}::text[])`;
    // Common, but perhaps not among users' emails: then the walk looks their few phones up instead of joining a user
    // to every row it reads (most of its time, for a fragment just past FEW_HITS).
    return users !== null ? walk(sql<SqlBool>`c.phone = any(${users}::text[])`) : walkAll;
  }

  /**
   * Newest activity first, paged by a keyset on (last_activity_at, phone): a row that changes between two pages
   * moves ahead of the cursor instead of shifting every later row, so nothing unchanged is skipped or repeated.
   */
  async listConversations(query: ListQuery) {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && cursor === null)
      throw new InvalidCursorError("cursor is not one this API returned");
    let select = this.db
      .selectFrom("conversations as c")
      .leftJoin("users as u", "u.phone", "c.phone")
      .select([
        "c.phone",
        "c.state",
        "c.opted_out",
        "c.language",
        "c.channel",
        "c.email",
        "c.created_at",
        "c.last_activity_at",
        "u.email as user_email",
        "u.verified_at",
      ]);
    if (query.state !== undefined) select = select.where("c.state", "=", query.state);
    if (query.optedOut !== undefined) select = select.where("c.opted_out", "=", toFlag(query.optedOut));
    if (query.activeAfter !== undefined) select = select.where("c.last_activity_at", ">=", query.activeAfter);
    if (query.activeBefore !== undefined) select = select.where("c.last_activity_at", "<", query.activeBefore);
    if (query.q !== undefined) select = select.where(await this.searchCondition(query.q.toLowerCase()));
    if (cursor) {
      select = select.where((eb) =>
        eb.or([
          eb("c.last_activity_at", "<", cursor.at),
          eb.and([eb("c.last_activity_at", "=", cursor.at), eb("c.phone", "<", cursor.phone)]),
        ]),
      );
    }
    const rows = await select
      .orderBy("c.last_activity_at", "desc")
      .orderBy("c.phone", "desc")
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        phone: row.phone,
        state: row.state,
        optedOut: fromFlag(row.opted_out),
        ...this.speech(row),
        email: row.email ?? row.user_email ?? null,
        verified: row.verified_at !== null && row.verified_at !== undefined,
        createdAt: toIso(Number(row.created_at)),
        lastActivityAt: toIso(Number(row.last_activity_at)),
      })),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ at: Number(last.last_activity_at), phone: last.phone })
          : null,
    };
  }

  /**
   * One conversation with one page of its transcript and timeline: the newest `limit` of each before `before` (a
   * cursor from `older`), oldest first. A conversation of 10,000 messages is never read or sent whole.
   */
  async getConversation(phone: string, page: DetailPage = { limit: DEFAULT_DETAIL_LIMIT }) {
    const before = page.before === undefined ? null : decodeDetailCursor(page.before);
    if (page.before !== undefined && before === null)
      throw new InvalidCursorError("before is not a cursor this API returned");
    const row = await this.db.selectFrom("conversations").selectAll().where("phone", "=", phone).executeTakeFirst();
    if (!row) return null;
    // A code SMS is written while its turn runs, before the inbound message that caused it: order by time, and
    // within one instant put what came in before what went out.
    const rank = sql<number>`case when direction = 'in' then 0 else 1 end`;
    const [user, newestMessages, newestTransitions] = await Promise.all([
      this.db.selectFrom("users").selectAll().where("phone", "=", phone).executeTakeFirst(),
      before !== null && before.messages === null
        ? []
        : this.db
            .selectFrom("messages")
            .selectAll()
            .select(rank.as("rank"))
            .where("phone", "=", phone)
            .$if(before?.messages != null, (q) => {
              const [at, r, id] = before?.messages ?? [0, 0, 0];
              return q.where((eb) =>
                eb.or([
                  eb("created_at", "<", at),
                  eb.and([eb("created_at", "=", at), eb(rank, "<", r)]),
                  eb.and([eb("created_at", "=", at), eb(rank, "=", r), eb("id", "<", id)]),
                ]),
              );
            })
            .orderBy("created_at", "desc")
            .orderBy(rank, "desc")
            .orderBy("id", "desc")
            .limit(page.limit + 1)
            .execute(),
      before !== null && before.transitions === null
        ? []
        : this.db
            .selectFrom("transitions")
            .selectAll()
            .where("phone", "=", phone)
            .$if(before?.transitions != null, (q) => q.where("id", "<", before?.transitions ?? 0))
            .orderBy("id", "desc")
            .limit(page.limit + 1)
            .execute(),
    ]);
    const messages = newestMessages.slice(0, page.limit).reverse();
    const transitions = newestTransitions.slice(0, page.limit).reverse();
    const moreMessages = newestMessages.length > page.limit;
    const moreTransitions = newestTransitions.length > page.limit;
    const oldestMessage = messages[0];
    const older =
      moreMessages || moreTransitions
        ? encodeDetailCursor({
            messages:
              moreMessages && oldestMessage
                ? [Number(oldestMessage.created_at), Number(oldestMessage.rank), Number(oldestMessage.id)]
                : null,
            transitions: moreTransitions ? Number(transitions[0]?.id) : null,
          })
        : null;
    const restored = restoreSnapshot(toConversationRecord(row));
    const context = restored.kind === "restored" ? toOperatorContext(restored.snapshot.context) : null;
    return {
      phone: row.phone,
      state: row.state,
      optedOut: fromFlag(row.opted_out),
      ...this.speech(row),
      machineVersion: row.machine_version,
      createdAt: toIso(Number(row.created_at)),
      updatedAt: toIso(Number(row.updated_at)),
      lastActivityAt: toIso(Number(row.last_activity_at)),
      context,
      user: user
        ? {
            email: user.email,
            countryCode: user.country_code,
            nationalNumber: user.national_number,
            providerId: user.provider_id,
            verifiedAt: toIsoOrNull(user.verified_at === null ? null : Number(user.verified_at)),
            emailVerifiedAt: toIsoOrNull(user.email_verified_at === null ? null : Number(user.email_verified_at)),
            createdAt: toIso(Number(user.created_at)),
          }
        : null,
      transcript: messages.map((m) => ({
        id: Number(m.id),
        direction: m.direction,
        channel: m.channel,
        medium: m.medium,
        body: m.body,
        status: m.status,
        errorCode: m.error_code,
        errorMessage: m.error_message,
        at: toIso(Number(m.created_at)),
        updatedAt: toIso(Number(m.updated_at)),
      })),
      timeline: transitions.map((t) => ({
        id: Number(t.id),
        from: t.from_state,
        event: t.event,
        to: t.to_state,
        at: toIso(Number(t.at)),
      })),
      older,
    };
  }

  async exists(phone: string): Promise<boolean> {
    return (
      (await this.db.selectFrom("conversations").select("phone").where("phone", "=", phone).executeTakeFirst()) !==
      undefined
    );
  }

  async listErasures() {
    const rows = await this.db.selectFrom("erasures").selectAll().orderBy("id", "desc").limit(500).execute();
    return {
      items: rows.map((row) => ({
        id: Number(row.id),
        phoneHint: row.phone_hint,
        operator: row.operator,
        erasedAt: toIso(Number(row.erased_at)),
        removed: JSON.parse(row.removed) as Record<string, number>,
      })),
    };
  }

  /**
   * The funnel follows a cohort: phones that texted SIGNUP within [from, to), and the steps each reached after its
   * first SIGNUP there and before `to`. Counting steps by their own time instead would let people who started
   * before the window push a conversion rate over 100%.
   */
  async stats(from: number, to: number) {
    const [states, optedOut, rows] = await Promise.all([
      this.db
        .selectFrom("conversations")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("state")
        .execute(),
      this.db
        .selectFrom("conversations")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("opted_out", "=", toFlag(true))
        .executeTakeFirst(),
      this.db
        .selectFrom("transitions")
        .select(["phone", "from_state", "event", "to_state", "at"])
        .where("at", ">=", from)
        .where("at", "<", to)
        .where((eb) =>
          eb.or([
            eb.and([eb("event", "=", "SIGNUP"), eb("to_state", "=", "awaitingEmail")]),
            eb.and([eb("from_state", "=", "awaitingEmail"), eb("to_state", "=", "checkingEmail")]),
            eb.and([eb("event", "=", "sendCode: sent"), eb("to_state", "=", "awaitingCode")]),
            eb("to_state", "=", "verified"),
          ]),
        )
        .orderBy("at")
        .orderBy("id")
        .execute(),
    ]);

    const reached = new Map<string, Set<FunnelStepName>>();
    const lastSignup = new Map<string, number>();
    const durations: number[] = [];
    for (const row of rows) {
      const at = Number(row.at);
      const step = stepOf(row);
      if (step === "started") {
        lastSignup.set(row.phone, at);
        if (!reached.has(row.phone)) reached.set(row.phone, new Set());
      }
      const steps = reached.get(row.phone);
      if (!steps) continue; // a step of a sign-up that began before the window
      steps.add(step);
      if (step === "verified") durations.push(at - (lastSignup.get(row.phone) ?? at));
    }
    const counts = FUNNEL.map((step) => [...reached.values()].filter((steps) => steps.has(step)).length);
    const rate = (n: number, of: number | undefined) => (of ? round(n / of) : null);
    return {
      window: { from: toIso(from), to: toIso(to) },
      byState: Object.fromEntries(states.map((row) => [row.state, Number(row.n)])),
      optedOut: Number(optedOut?.n ?? 0),
      funnel: FUNNEL.map((step, i) => ({
        step,
        count: counts[i] ?? 0,
        rateFromPrevious: i === 0 ? null : rate(counts[i] ?? 0, counts[i - 1]),
        rateFromStart: i === 0 ? null : rate(counts[i] ?? 0, counts[0]),
      })),
      medianSignupToVerifiedMs: median(durations),
      verifiedSamples: durations.length,
    };
  }
}

function stepOf(row: { from_state: string; event: string; to_state: string }): FunnelStepName {
  if (row.to_state === "verified") return "verified";
  if (row.to_state === "checkingEmail") return "emailGiven";
  if (row.to_state === "awaitingCode") return "codeSent";
  return "started";
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : Math.round(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
