// Operators' view from a terminal, on the database the service uses (DATABASE_URL):
//   npm run inspect                      the latest conversations
//   npm run inspect -- --state awaitingCode --q example.com
//   npm run inspect -- +15551234567      one conversation: state, transcript, timeline
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { RESTING_STATES } from "../../machines/signup.js";
import { AdminQueries } from "../admin/queries.js";
import { listQuery, phoneParam } from "../admin/schemas.js";
import { revealBidi } from "../admin/visible-text.js";
import { ConfigError, parseConfig } from "../config.js";
import { openDatabase } from "../store/node-database.js";

type Detail = NonNullable<Awaited<ReturnType<AdminQueries["getConversation"]>>>;
type Page = Awaited<ReturnType<AdminQueries["listConversations"]>>;

const time = (iso: string | null) => (iso === null ? "—" : iso.replace("T", " ").replace(/\.\d+Z$/, "Z"));

/** Columns padded to their widest cell; the last one is left ragged. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)].join("\n");
}

const indent = (text: string) => text.replace(/^/gm, "  ");

function printList(page: Page): void {
  if (page.items.length === 0) {
    console.log("No conversations.");
    return;
  }
  console.log(
    table(
      ["PHONE", "STATE", "OPTED OUT", "EMAIL", "LANGUAGE", "CHANNEL", "LAST ACTIVITY"],
      page.items.map((item) => [
        item.phone,
        item.state,
        item.optedOut ? "yes" : "",
        item.email ?? "",
        languageOf(item),
        item.channel,
        time(item.lastActivityAt),
      ]),
    ),
  );
  console.log(
    `\n${page.items.length} shown, newest activity first${page.nextCursor ? " (more: narrow with --state, --q or --limit)" : ""}.`,
  );
}

/** "es" when the country chose it, "es (chosen)" when the person did. */
const languageOf = (item: { language: string; languageChosen: boolean }) =>
  item.languageChosen ? `${item.language} (chosen)` : item.language;

function printDetail(detail: Detail): void {
  console.log(`${detail.phone}  state: ${detail.state}${detail.optedOut ? "  (opted out)" : ""}`);
  console.log(`writes in ${languageOf(detail)} · on ${detail.channel}`);
  console.log(
    `started ${time(detail.createdAt)} · last activity ${time(detail.lastActivityAt)} · machine v${detail.machineVersion}`,
  );
  if (detail.user) {
    console.log(
      `user: ${detail.user.email} · ${detail.user.verifiedAt ? `verified ${time(detail.user.verifiedAt)}` : "not verified"}`,
    );
  }
  if (detail.context) {
    const c = detail.context;
    console.log(
      `context: email ${c.email ?? "—"} · email attempts ${c.emailAttempts} · wrong codes ${c.wrongCodes} · code expires ${time(c.codeExpiresAt)} · sends in window ${c.sendTimes.length}`,
    );
  }
  console.log("\nTRANSCRIPT");
  if (detail.transcript.length === 0) console.log("  (none)");
  for (const m of detail.transcript) {
    const arrow = m.direction === "in" ? "→" : "←";
    const error =
      m.errorCode !== null || m.errorMessage !== null
        ? ` error ${m.errorCode ?? ""} ${m.errorMessage ?? ""}`.trimEnd()
        : "";
    // JSON.stringify keeps a person's control characters and newlines from rewriting the terminal; bidi controls
    // (which it leaves alone) are shown as marks.
    console.log(
      `  ${time(m.at)}  ${arrow} ${revealBidi(JSON.stringify(m.body))}  [${m.medium}, ${m.channel}, ${m.status}${error}]`,
    );
  }
  console.log("\nTIMELINE");
  if (detail.timeline.length === 0) console.log("  (none)");
  else
    console.log(
      indent(
        table(
          ["WHEN", "FROM", "EVENT", "TO"],
          detail.timeline.map((t) => [time(t.at), t.from, t.event, t.to]),
        ),
      ),
    );
}

const OPTIONS = {
  state: { type: "string" },
  q: { type: "string" },
  optedOut: { type: "boolean" },
  optedIn: { type: "boolean" },
  limit: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const USAGE = `Usage:
  npm run inspect [-- options]         the latest conversations, newest activity first
  npm run inspect -- +15551234567      one conversation: state, transcript, timeline

Options:
  --state NAME     only conversations in this state (${RESTING_STATES.join(", ")})
  --q TEXT         a fragment of the phone or the email
  --optedOut       only people who opted out (STOP)
  --optedIn        only people who did not opt out
  --limit N        at most N conversations (1 to 100; default 50)
  -h, --help       this help

Reads the database the service uses: DATABASE_URL (default file:./data/sms-signup.sqlite).`;

class UsageError extends Error {}

/** The command line, read with node's own parser: unknown flags and stray words are refused, not guessed at. */
export function parseInspectArgs(argv: string[]) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const known = Object.entries(OPTIONS)
      .map(([name, option]) => `--${name}${"short" in option ? ` (-${option.short})` : ""}`)
      .join(", ");
    // node's message goes on about positionals after "--": its first sentence is what a person needs.
    const reason = (error instanceof Error ? error.message : String(error)).split(/(?<=\.) /)[0];
    throw new UsageError(`${reason}\nKnown options: ${known}. See npm run inspect -- --help.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`One phone at a time, not ${positionals.join(" ")}.`);
  if (values.optedOut && values.optedIn) throw new UsageError("--optedOut and --optedIn exclude each other.");
  const optedOut = values.optedOut ? "true" : values.optedIn ? "false" : undefined;
  return {
    help: values.help === true,
    phone: positionals[0],
    filters: { state: values.state, q: values.q, optedOut, limit: values.limit ?? "50" },
  };
}

/** SQLite would make an empty file where none is: a mistyped DATABASE_URL must not look like "no conversations". */
function refuseMissingDatabase(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith("file:")) return null;
  const path = resolve(databaseUrl.slice("file:".length));
  return existsSync(path)
    ? null
    : `There is no database at ${path} (DATABASE_URL=${databaseUrl}). Start the service once (npm start), or set DATABASE_URL to the one it uses.`;
}

async function main(): Promise<number> {
  const config = parseConfig({ ...process.env, LOG_LEVEL: "silent" });
  const { help, phone, filters } = parseInspectArgs(process.argv.slice(2));
  if (help) {
    console.log(USAGE);
    return 0;
  }
  const missing = refuseMissingDatabase(config.databaseUrl);
  if (missing) {
    console.error(missing);
    return 1;
  }
  const { db, dialect } = openDatabase(config.databaseUrl);
  try {
    const queries = new AdminQueries(db, dialect, config.defaultLanguage);
    if (phone !== undefined) {
      const parsed = phoneParam.safeParse(phone);
      if (!parsed.success) {
        console.error(`"${phone}" is not an E.164 number like +15551234567`);
        return 2;
      }
      const detail = await queries.getConversation(parsed.data);
      if (!detail) {
        console.error(`No conversation with ${parsed.data}.`);
        return 1;
      }
      printDetail(detail);
      return 0;
    }
    const query = listQuery.safeParse(filters);
    if (!query.success) {
      console.error(query.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("\n"));
      return 2;
    }
    printList(await queries.listConversations(query.data));
    return 0;
  } catch (error) {
    if ((error as { code?: string }).code === "3D000") {
      console.error(`No such database (${(error as Error).message}): check DATABASE_URL; nothing was created.`);
      return 1;
    }
    if (/no such table|relation .* does not exist/.test(String(error))) {
      console.error(
        `The database at ${config.databaseUrl} has no conversations yet: start the service once (npm start).`,
      );
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(
      error instanceof ConfigError || error instanceof UsageError
        ? error.message
        : `inspect failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
