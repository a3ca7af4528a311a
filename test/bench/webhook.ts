// The service's own benchmark, beside a baseline: prints figures, asserts nothing. Every server is its own process
// (as `npm start` runs it); load comes from a worker thread of this one; fakes of Twilio live here.
//   npm run bench              all figures (a few minutes)
//   npm run bench -- --quick   the same scenarios, small (a few seconds; npm test runs it so it cannot rot)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import { type Kysely, Migrator, sql } from "kysely";
import { migrateToLatest, migrationProvider } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/node-database.js";
import type { Database } from "../../src/store/schema.js";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { freePort } from "../support/free-port.js";
import { PUBLIC_URL, productionEnv, TEST_AUTH_TOKEN } from "../support/service.js";

const quick = process.argv.includes("--quick");
const SIZES = quick
  ? { rounds: 1, signups: 300, phones: 20, stored: 20_000, adminSamples: 5 }
  : { rounds: 3, signups: 2_000, phones: 200, stored: 1_000_000, adminSamples: 40 };
const CONCURRENCY = 32;
const ADMIN_TOKEN = "bench-admin-token-0123456789";
const ADMIN_HEADERS = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface Server {
  url: string;
  pid: number;
  startedInMs: number;
  stop(): Promise<void>;
}

const children = new Set<import("node:child_process").ChildProcess>();
// A failed run must not leave servers behind.
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts a server process and waits until it answers `healthPath` (the time it took is start to healthy). */
async function startProcess(args: string[], env: Record<string, string>, healthPath: string): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}${healthPath}`, { method: "GET" }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return {
    url,
    pid: child.pid ?? 0,
    startedInMs: performance.now() - started,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

const tsx = ["--import", "tsx"];
// What `npm start` runs: its prestart bundles the sources, then node starts the bundle.
execFileSync(process.execPath, ["src/cli/build-node.mjs"], { stdio: "inherit" });
const service = (databaseUrl: string, twilioUrl: string) =>
  startProcess(
    ["--enable-source-maps", "dist/node.js"],
    {
      ...productionEnv(twilioUrl),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL,
      ADMIN_TOKEN,
      LOG_LEVEL: "info",
      // The load is many sign-ups from one prefix: exactly what the SMS pumping caps stop, so they are off here.
      CODES_PER_PREFIX_PER_HOUR: "0",
      CODES_PER_COUNTRY_PER_HOUR: "0",
      CODES_PER_HOUR: "0",
    },
    "/healthz",
  );
const baseline = (databaseUrl: string, checkpoints: "commit" | "worker" = "commit") =>
  startProcess(
    [...tsx, "test/bench/baseline.ts"],
    { DATABASE_URL: databaseUrl, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN, PUBLIC_URL, CHECKPOINTS: checkpoints },
    "/nothing-here",
  );

interface Load {
  latencies: number[];
  seconds: number;
}

function load(workerData: object, twilio?: FakeTwilio): Promise<Load> {
  const worker = new Worker(new URL("./load-client.mjs", import.meta.url), {
    workerData: { publicUrl: PUBLIC_URL, authToken: TEST_AUTH_TOKEN, concurrency: CONCURRENCY, ...workerData },
  });
  return new Promise((resolve, reject) => {
    worker.on("message", (message: { done?: Load; codeFor?: string }) => {
      if (message.done) resolve(message.done);
      else if (message.codeFor)
        worker.postMessage({ phone: message.codeFor, code: twilio?.lastCodeTo(message.codeFor) });
    });
    worker.once("error", reject);
  });
}

let phoneOffset = 0;
/** SIGNUP from `count` phones never seen before. */
function freshSignups(targets: string[], count: number): Promise<Load> {
  const offset = phoneOffset;
  phoneOffset += count;
  const messages = Array.from({ length: count }, (_, i) => ({
    MessageSid: `SM${String(offset + i).padStart(32, "0")}`,
    From: `+1650${String(offset + i).padStart(7, "0")}`,
    To: "+15005550006",
    Body: "SIGNUP",
  }));
  return load({ mode: "fixed", targets, messages });
}

function summary(loads: Load[]) {
  const latencies = loads.flatMap((l) => l.latencies).sort((a, b) => a - b);
  const seconds = loads.reduce((sum, l) => sum + l.seconds, 0);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { count: latencies.length, rps: latencies.length / seconds, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const line = (name: string, s: ReturnType<typeof summary>) =>
  `${name.padEnd(44)} ${s.rps.toFixed(0).padStart(6)} req/s   p50 ${ms(s.p50)}   p99 ${ms(s.p99)}   (${s.count})`;
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const tempDb = () => `file:${join(mkdtempSync(join(tmpdir(), "sms-signup-bench-")), "bench.sqlite")}`;

/** The operators' list filters of 4., over the rows fillConversations makes (every email is at example.com). */
const LIST_FILTERS: Record<string, string> = {
  "no filter": "",
  "state=awaitingCode": "state=awaitingCode",
  "state=verified": "state=verified",
  "optedOut=true": "optedOut=true",
  "optedOut=false": "optedOut=false",
  "q=phone fragment": "q=0012345",
  "q=email fragment": "q=user77777",
  "q=no match": "q=nomatchanywhere",
  "q=common fragment": "q=example",
  "activeAfter (last hour)": `activeAfter=${Date.now() - 3_600_000}`,
  "activeBefore (a week ago)": `activeBefore=${Date.now() - 7 * 86_400_000}`,
  "state + optedOut": "state=awaitingEmail&optedOut=true",
  "state + activeBefore": `state=verified&activeBefore=${Date.now() - 86_400_000}`,
  "second page": "limit=50",
};

/** GET /admin/api/conversations with each filter, one request at a time: one line of p95 per filter. */
async function adminP95(svc: Server, filters: Record<string, string>): Promise<void> {
  console.log("GET /admin/api/conversations (limit 50 unless said), p95 over", SIZES.adminSamples, "requests:");
  for (const [name, query] of Object.entries(filters)) {
    const times: number[] = [];
    let cursor = "";
    for (let i = 0; i < SIZES.adminSamples; i += 1) {
      const started = performance.now();
      const response = await fetch(`${svc.url}/admin/api/conversations?${query}${cursor}`, {
        headers: ADMIN_HEADERS,
      });
      const body = (await response.json()) as { nextCursor?: string | null };
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`${name}: ${response.status} ${JSON.stringify(body)}`);
      if (name === "second page" && body.nextCursor) cursor = `&cursor=${body.nextCursor}`;
    }
    times.sort((x, y) => x - y);
    console.log(`  ${name.padEnd(28)} p95 ${ms(times[Math.floor(0.95 * (times.length - 1))] ?? 0)}`);
  }
}

const cpu = cpus()[0]?.model ?? "unknown cpu";
console.log(
  `machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB; node ${process.version}`,
);
console.log(
  `load: ${CONCURRENCY} requests in flight from a worker thread, pre-signed webhooks${quick ? " (quick)" : ""}`,
);
const twilio = await FakeTwilio.start();
let sqliteSignup = summary([]);

// 1. SIGNUP from fresh phones on SQLite: the service and the minimal durable handler, rounds interleaved.
{
  const [svc, base, tuned] = [
    await service(tempDb(), twilio.url),
    await baseline(tempDb()),
    await baseline(tempDb(), "worker"),
  ];
  for (const server of [svc, base, tuned]) await freshSignups([server.url], 200); // warm-up: JIT, page cache
  const svcLoads: Load[] = [];
  const baseLoads: Load[] = [];
  const tunedLoads: Load[] = [];
  for (let round = 0; round < SIZES.rounds; round += 1) {
    baseLoads.push(await freshSignups([base.url], SIZES.signups));
    svcLoads.push(await freshSignups([svc.url], SIZES.signups));
    tunedLoads.push(await freshSignups([tuned.url], SIZES.signups));
  }
  const [s, b, t] = [summary(svcLoads), summary(baseLoads), summary(tunedLoads)];
  const ratio = (of: ReturnType<typeof summary>) =>
    `req/s ${(s.rps / of.rps).toFixed(2)}x (goal >= 0.75x), p99 ${(s.p99 / of.p99).toFixed(2)}x (goal <= 2x)`;
  console.log("\n1. SIGNUP from fresh phones, SQLite");
  console.log(line("minimal durable handler", b));
  console.log(line("sms-signup", s));
  console.log(`ratio: ${ratio(b)}`);
  console.log(line("the handler, WAL checkpoints in a worker too", t));
  console.log(`ratio to it: ${ratio(t)}`);
  for (const server of [svc, base, tuned]) await server.stop();
  sqliteSignup = s;
}

// 2. A whole sign-up (SIGNUP, email, the code) per phone, all phones at once, local provider, SQLite.
{
  const svc = await service(tempDb(), twilio.url);
  const result = summary([
    await load({ mode: "signup", targets: [svc.url], phones: SIZES.phones, offset: 9_000_000, prefix: "f" }, twilio),
  ]);
  console.log(`\n2. Whole sign-up, ${SIZES.phones} phones at once (3 messages each), SQLite`);
  console.log(line("sms-signup", result));
  console.log(`p99 ${ms(result.p99)} (goal < 1000 ms)`);
  await svc.stop();
}

// 3. PostgreSQL, two service processes on one database.
if (await postgresAvailable()) {
  const databaseUrl = await freshPostgresUrl();
  const { db, dialect } = openDatabase(databaseUrl);
  await migrateToLatest(db, dialect);
  await db.destroy();
  const [a, b] = [await service(databaseUrl, twilio.url), await service(databaseUrl, twilio.url)];
  await freshSignups([a.url, b.url], 200);
  const loads: Load[] = [];
  for (let round = 0; round < SIZES.rounds; round += 1) loads.push(await freshSignups([a.url, b.url], SIZES.signups));
  const result = summary(loads);
  console.log("\n3. SIGNUP from fresh phones, PostgreSQL, two service processes on one database");
  console.log(line("sms-signup x2 on PostgreSQL", result));
  console.log(line("sms-signup on SQLite (from 1.)", sqliteSignup));
  await a.stop();
  await b.stop();
  await dropPostgresDatabases();
} else {
  console.log("\n3. PostgreSQL: skipped, nothing answers at 127.0.0.1:5432");
}

// 4. Many stored conversations: memory, operator queries, start.
{
  const empty = tempDb();
  const full = tempDb();
  for (const url of [empty, full]) {
    const { db, dialect } = openDatabase(url);
    await migrateToLatest(db, dialect);
    await db.destroy();
  }
  const filled = performance.now();
  fillConversations(full.slice("file:".length), SIZES.stored);
  const fillSeconds = (performance.now() - filled) / 1000;

  const rssAfterLoad = async (url: string) => {
    const svc = await service(url, twilio.url);
    await freshSignups([svc.url], SIZES.signups);
    const rss = rssMb(svc.pid);
    return { svc, rss };
  };
  const emptyRun = await rssAfterLoad(empty);
  await emptyRun.svc.stop();
  const fullRun = await rssAfterLoad(full);
  const svc = fullRun.svc;
  console.log(
    `\n4. ${SIZES.stored.toLocaleString("en")} stored conversations, SQLite (filled in ${fillSeconds.toFixed(1)} s)`,
  );
  console.log(`start to healthy: ${ms(svc.startedInMs)} (process spawn to GET /healthz 200; goal < 1000 ms)`);
  console.log(
    `rss after ${SIZES.signups} SIGNUPs: ${emptyRun.rss.toFixed(0)} MB on an empty database, ${fullRun.rss.toFixed(0)} MB with ${SIZES.stored.toLocaleString("en")} (${((fullRun.rss / emptyRun.rss - 1) * 100).toFixed(1)}%, goal within 10%)`,
  );
  await adminP95(svc, LIST_FILTERS);
  await svc.stop();
}

// 4b. The operators' text search on PostgreSQL at the same size: its trigram indexes made on the filled table, as
// migration 0011 makes them on an existing database.
if (await postgresAvailable()) {
  const databaseUrl = await freshPostgresUrl();
  const { db } = openDatabase(databaseUrl);
  const before = new Migrator({ db, provider: migrationProvider("postgres") });
  const { error } = await before.migrateTo("0010_email_outbox");
  if (error) throw error;
  const filled = performance.now();
  await fillPostgresConversations(db, SIZES.stored);
  const fillSeconds = (performance.now() - filled) / 1000;
  const indexed = performance.now();
  await migrateToLatest(db, "postgres");
  await sql`analyze`.execute(db);
  const indexSeconds = (performance.now() - indexed) / 1000;
  await db.destroy();
  const svc = await service(databaseUrl, twilio.url);
  // Not counted: a fresh process's first requests (JIT, opening its pool) and first reads of the new rows.
  for (let i = 0; i < 10; i += 1) await fetch(`${svc.url}/admin/api/conversations`, { headers: ADMIN_HEADERS });
  console.log(
    `\n4b. ${SIZES.stored.toLocaleString("en")} stored conversations, PostgreSQL (filled in ${fillSeconds.toFixed(1)} s, trigram indexes in ${indexSeconds.toFixed(1)} s)`,
  );
  await adminP95(
    svc,
    Object.fromEntries(Object.entries(LIST_FILTERS).filter(([name]) => name.startsWith("q=") || name === "no filter")),
  );
  await svc.stop();
  await dropPostgresDatabases();
} else {
  console.log("\n4b. PostgreSQL: skipped, nothing answers at 127.0.0.1:5432");
}

await twilio.close();

/** Conversations in every state, a third of them verified users, spread over the last 30 days. */
function fillConversations(path: string, count: number): void {
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma("journal_mode = WAL");
  const states = ["new", "awaitingEmail", "awaitingCode", "verified"];
  const conversation = sqlite.prepare(
    "insert into conversations (phone, state, snapshot, machine_version, row_version, opted_out, email, created_at, updated_at, last_activity_at) values (?, ?, null, 2, 1, ?, ?, ?, ?, ?)",
  );
  const user = sqlite.prepare(
    "insert into users (phone, country_code, national_number, email, provider_id, verified_at, created_at, updated_at) values (?, '1', ?, ?, null, ?, ?, ?)",
  );
  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const phone = `+1212${String(i).padStart(7, "0")}`;
      const state = states[i % 4] ?? "new";
      const email = state === "new" ? null : `user${i}@example.com`;
      const at = now - Math.floor((i / count) * 30 * 86_400_000);
      conversation.run(phone, state, i % 50 === 0 ? 1 : 0, email, at, at, at);
      if (state === "verified") user.run(phone, String(i).padStart(10, "0"), email, at, at, at);
    }
  })();
  sqlite.close();
}

/** fillConversations' rows, on PostgreSQL: one statement per table, the rows made by the server. */
async function fillPostgresConversations(db: Kysely<Database>, count: number): Promise<void> {
  const now = Date.now();
  await sql`insert into conversations (phone, state, snapshot, machine_version, row_version, opted_out, email,
      created_at, updated_at, last_activity_at)
    select '+1212' || lpad(i::text, 7, '0'), (array['new', 'awaitingEmail', 'awaitingCode', 'verified'])[i % 4 + 1],
      null, 2, 1, case when i % 50 = 0 then 1 else 0 end,
      case when i % 4 = 0 then null else 'user' || i || '@example.com' end, at, at, at
    from generate_series(0, ${count - 1}::int) i,
      lateral (select ${now}::bigint - floor((i::float8 / ${count}) * 30 * 86400000)::bigint as at) t`.execute(db);
  await sql`insert into users (phone, country_code, national_number, email, provider_id, verified_at, created_at,
      updated_at)
    select phone, '1', substr(phone, 6), email, null, created_at, created_at, created_at
    from conversations where state = 'verified'`.execute(db);
}
