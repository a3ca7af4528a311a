// The operators' text search (q) on PostgreSQL: the rows it finds, that pg_trgm's indexes find them (not a read of
// every row), and that a database refusing the extension still starts and still searches.
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminQueries } from "../../src/admin/queries.js";
import type { ListQuery } from "../../src/admin/schemas.js";
import { migrateToLatest, POSTGRES_SEARCH_INDEXES } from "../../src/store/migrations.js";
import type { Database } from "../../src/store/schema.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable, runDatabasePrefix } from "../support/databases.js";

const hasPostgres = await postgresAvailable();

const ANA = "+14155550101";
const BOB = "+14155550102";
const CAROL = "+14155550103";
const DAN = "+14155550104";
/** More rows than the list's FEW_HITS (5,000) share this email fragment: the list walks newest first for it. */
const BULK = 6_000;
const FILLER = 20_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

interface Logged {
  sql: string;
  parameters: readonly unknown[];
}

/** A Kysely over its own pool that remembers every statement run, with its parameters, to EXPLAIN them after. */
function open(url: string, options?: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1, ...(options ? { options } : {}) });
  const statements: Logged[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      statements.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  return { db, pool, statements, url };
}

/** The four named people (oldest activity first), then filler: phones +1888..., a few thousand with a bulk email. */
async function fill(pool: pg.Pool) {
  const conversation = `insert into conversations (phone, state, snapshot, machine_version, row_version, opted_out, email,
    created_at, updated_at, last_activity_at) values ($1, $2, null, 2, 1, 0, $3, $4, $4, $4)`;
  await pool.query(conversation, [ANA, "awaitingCode", "Ana.Smith@Example.COM", T0 + 1]);
  await pool.query(conversation, [BOB, "verified", null, T0 + 2]);
  await pool.query(conversation, [CAROL, "awaitingCode", "carol%x@example.net", T0 + 3]);
  await pool.query(conversation, [DAN, "awaitingCode", "bobxjones@example.net", T0 + 4]);
  // Bob's email is his user's only: found through the users table.
  await pool.query(
    `insert into users (phone, country_code, national_number, email, provider_id, verified_at, created_at, updated_at)
     values ($1, '1', '4155550102', 'Bob_Jones@Example.org', null, $2, $2, $2)`,
    [BOB, T0 + 2],
  );
  // Older than the four, so their order is the list's; no filler phone holds a named person's fragment.
  await pool.query(
    `insert into conversations (phone, state, snapshot, machine_version, row_version, opted_out, email, created_at,
       updated_at, last_activity_at)
     select '+1888' || lpad(i::text, 7, '0'), 'new', null, 2, 1, 0,
       case when i < ${BULK} then 'filler' || i || '@bulk.test' end, ${T0} - i, ${T0} - i, ${T0} - i
     from generate_series(0, ${FILLER - 1}) i`,
  );
  // As many again whose email only their user holds: a fragment common among users' emails.
  await pool.query(
    `insert into users (phone, country_code, national_number, email, provider_id, verified_at, created_at, updated_at)
     select '+1888' || lpad(i::text, 7, '0'), '1', '888' || lpad(i::text, 7, '0'), 'crowd' || i || '@crowd.test',
       null, null, ${T0}, ${T0}
     from generate_series(${BULK}, ${2 * BULK - 1}) i`,
  );
  await pool.query("analyze");
}

describe.skipIf(!hasPostgres)("operators' text search on PostgreSQL", () => {
  let database: ReturnType<typeof open>;
  let queries: AdminQueries;
  const list = async (q: string, more: Partial<ListQuery> = {}) =>
    (await queries.listConversations({ q, limit: 25, ...more })).items.map((item) => item.phone);

  beforeAll(async () => {
    database = open(await freshPostgresUrl());
    const warnings: unknown[] = [];
    await migrateToLatest(database.db, "postgres", { warn: (fields) => warnings.push(fields) });
    expect(warnings).toEqual([]);
    await fill(database.pool);
    queries = new AdminQueries(database.db, "postgres");
  }, 60_000);
  afterAll(async () => {
    await database?.db.destroy();
    await dropPostgresDatabases();
  });

  it("finds a phone fragment, an email fragment on the conversation or on its user, in any case", async () => {
    expect(await list("5550102")).toEqual([BOB]);
    expect(await list("smith@exa")).toEqual([ANA]);
    expect(await list("SMITH@EXAMPLE.com")).toEqual([ANA]);
    expect(await list("jones@example.ORG")).toEqual([BOB]);
    expect(await list("bob_jones")).toEqual([BOB]);
    expect(await list("nowhere-at-all")).toEqual([]);
    // With another filter, and a fragment that only some of the four share.
    expect(await list("example")).toEqual([DAN, CAROL, BOB, ANA]);
    expect(await list("example", { state: "awaitingCode" })).toEqual([DAN, CAROL, ANA]);
  });

  it("matches LIKE's wildcards in a fragment as text", async () => {
    // `_` is one character of any kind as a pattern: bobxjones would match b_j.
    expect(await list("b_j")).toEqual([BOB]);
    expect(await list("l%x")).toEqual([CAROL]);
    expect(await list("%x@")).toEqual([CAROL]);
    // Only Carol's email holds a %, only Bob's an _.
    expect(await list("%")).toEqual([CAROL]);
    expect(await list("_")).toEqual([BOB]);
    expect(await list("%%%")).toEqual([]);
  });

  it("finds fragments shorter than three characters (too short for trigrams) by walking the list", async () => {
    expect(await list("jo")).toEqual([DAN, BOB]);
    expect(await list("B_")).toEqual([BOB]);
    expect(await list("18", { limit: 3 })).toEqual(["+18880000000", "+18880000001", "+18880000002"]);
  });

  it("pages a fragment more than FEW_HITS rows share newest first, as the list without a fragment does", async () => {
    const first = await queries.listConversations({ q: "BULK.test", limit: 100 });
    expect(first.items.map((item) => item.phone)).toEqual(
      Array.from({ length: 100 }, (_, i) => `+1888${String(i).padStart(7, "0")}`),
    );
    const second = await queries.listConversations({ q: "bulk.test", limit: 100, cursor: first.nextCursor ?? "" });
    expect(second.items[0]?.phone).toBe("+18880000100");
    // Common among users' emails: each row the walk reads joined to its user.
    const crowd = await queries.listConversations({ q: "@CROWD.", limit: 3 });
    expect(crowd.items.map((item) => [item.phone, item.email])).toEqual(
      [BULK, BULK + 1, BULK + 2].map((i) => [`+1888${String(i).padStart(7, "0")}`, `crowd${i}@crowd.test`]),
    );
    // Fewer than FEW_HITS of them: through the index, in the same order.
    const fillers = Array.from({ length: BULK }, (_, i) => i).filter((i) => String(i).startsWith("12"));
    expect(await list("filler12")).toEqual(fillers.slice(0, 25).map((i) => `+1888${String(i).padStart(7, "0")}`));
  });

  it("reads a rare fragment's rows through the trigram indexes, not every row", async () => {
    // Sequential scans off: the plan then shows whether an index can answer at all (20,000 rows may be cheaper to
    // scan, which a million are not; the benchmark shows that case).
    const planned = open(database.url, "-c enable_seqscan=off");
    const plannedQueries = new AdminQueries(planned.db, "postgres");
    try {
      for (const q of ["5550102", "smith@exa", "jones@example.org"]) {
        planned.statements.length = 0;
        expect((await plannedQueries.listConversations({ q, limit: 25 })).items, q).toHaveLength(1);
        const plans = [];
        for (const statement of planned.statements) plans.push(await explain(planned.pool, statement));
        const indexes = new Set(plans.flatMap((plan) => indexesOf(plan)));
        for (const name of Object.keys(POSTGRES_SEARCH_INDEXES)) expect(indexes, q).toContain(name);
        // Every row any table gave up, kept or filtered out: a handful, of more than 20,000.
        expect(
          plans.reduce((sum, plan) => sum + rowsRead(plan), 0),
          q,
        ).toBeLessThan(50);
      }
    } finally {
      await planned.db.destroy();
    }
  });
});

describe.skipIf(!hasPostgres)("a PostgreSQL database whose role may not create pg_trgm", () => {
  const role = `${runDatabasePrefix()}limited`;
  let admin: pg.Client;
  let database: ReturnType<typeof open>;

  beforeAll(async () => {
    const url = new URL(await freshPostgresUrl());
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    // Not the database's owner and no CREATE on it: a managed database's application role, typically.
    await admin.query(`create role ${role} login`);
    await admin.query(`grant create on schema public to ${role}`);
    url.username = role;
    database = open(url.toString());
  });
  afterAll(async () => {
    await database?.db.destroy();
    // A role belongs to the whole server: gone with what it owns, before its database goes.
    await admin?.query(`drop owned by ${role}`);
    await admin?.query(`drop role ${role}`);
    await admin?.end();
    await dropPostgresDatabases();
  });

  it("migrates without the indexes, says what to run, and still searches by scanning", async () => {
    const warnings: { fields: object; message: string }[] = [];
    const applied = await migrateToLatest(database.db, "postgres", {
      warn: (fields, message) => warnings.push({ fields, message }),
    });
    expect(applied).toContain("0011_postgres_text_search");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/text search \(q\) reads every conversation/);
    expect(warnings[0]?.fields).toMatchObject({
      reason: expect.stringMatching(/permission denied/),
      fix: expect.stringContaining("create extension pg_trgm"),
    });
    const made = await database.pool.query("select indexname from pg_indexes where indexname like '%_trgm'");
    expect(made.rows).toEqual([]);

    await fill(database.pool);
    const queries = new AdminQueries(database.db, "postgres");
    const list = async (q: string) => (await queries.listConversations({ q, limit: 25 })).items.map((i) => i.phone);
    expect(await list("5550102")).toEqual([BOB]);
    expect(await list("jones@EXAMPLE.org")).toEqual([BOB]);
    expect(await list("b_j")).toEqual([BOB]);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: EXPLAIN's JSON, walked generically
type PlanNode = Record<string, any>;

async function explain(pool: pg.Pool, statement: Logged): Promise<PlanNode> {
  const result = await pool.query(`explain (analyze, format json) ${statement.sql}`, [...statement.parameters]);
  return result.rows[0]["QUERY PLAN"][0].Plan;
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...((plan.Plans as PlanNode[] | undefined) ?? []).flatMap(nodesOf)];
}

const indexesOf = (plan: PlanNode): string[] =>
  nodesOf(plan).flatMap((node) => (typeof node["Index Name"] === "string" ? [node["Index Name"]] : []));

/** Rows the plan's table scans produced or threw away (a filter, a recheck), over all their loops. */
const rowsRead = (plan: PlanNode): number =>
  nodesOf(plan)
    .filter((node) => typeof node["Relation Name"] === "string")
    .reduce(
      (sum, node) =>
        sum +
        (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0)) *
          node["Actual Loops"],
      0,
    );
