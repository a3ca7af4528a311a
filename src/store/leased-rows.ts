import type { Kysely, Selectable, Updateable } from "kysely";
import type { Database } from "./schema.js";

/**
 * The outboxes' tables (the success SMS, the emails, the product's events). A row is owed while its status is due,
 * and `next_attempt_at` is both when it is due and, once a sender took it, when that sender's lease ends: a sender
 * that dies mid-send leaves the row to come due again.
 */
export type LeasedTable = "messages" | "email_outbox" | "product_webhooks";

type Row<T extends LeasedTable> = Selectable<Database[T]>;
type Status<T extends LeasedTable> = Database[T]["status"];

/** The columns the three tables share (schema.ts declares them once), which Kysely cannot see through T. */
type LeasedColumns = { [K in keyof Database[LeasedTable]]: Database[LeasedTable][K] };
const view = (db: Kysely<Database>) => db as unknown as Kysely<Record<LeasedTable, LeasedColumns>>;

/** A claimed row, as it was read: its status is the one it had before the claim. */
export type Taken<T extends LeasedTable, C extends keyof Row<T>> = Pick<Row<T>, C> & { status: Status<T> };

/** How one outbox is claimed. */
export interface Claim<T extends LeasedTable, C extends keyof Row<T>> {
  /** What its sender reads of a claimed row. */
  columns: readonly C[];
  /** The statuses of rows a sender may take. */
  due: readonly Status<T>[];
  /** The status a taken row gets, where it shows (the SMS outbox's "claimed"); else only the due time moves. */
  taken?: Status<T>;
  /** Which due rows go first. */
  orderBy: "next_attempt_at" | "id";
}

/**
 * Leases up to `limit` due rows for `leaseMs`. Each take is a compare-and-set on the row as it was read, so two
 * senders never both take one; and each statement stands alone, so this needs no transaction (D1 has none).
 */
export async function claimLeased<T extends LeasedTable, C extends keyof Row<T> & string>(
  db: Kysely<Database>,
  table: T,
  claim: Claim<T, C>,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<Taken<T, C>[]> {
  const rows = view(db);
  const due = await rows
    .selectFrom(table as LeasedTable)
    .select([...(claim.columns as readonly (keyof LeasedColumns)[]), "id", "status", "next_attempt_at"])
    .where("status", "in", claim.due as readonly Status<LeasedTable>[])
    .where("next_attempt_at", "<=", now)
    .orderBy(claim.orderBy)
    .limit(limit)
    .execute();
  const claimed: Taken<T, C>[] = [];
  for (const { next_attempt_at, ...row } of due) {
    const taken = await rows
      .updateTable(table as LeasedTable)
      .set({ next_attempt_at: now + leaseMs, ...(claim.taken === undefined ? {} : { status: claim.taken }) })
      .where("id", "=", row.id)
      .where("status", "=", row.status)
      .where("next_attempt_at", "=", next_attempt_at)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) > 0) claimed.push(row as unknown as Taken<T, C>);
  }
  return claimed;
}

/** One attempt more at a row, with what it changed. */
export async function recordAttempt<T extends LeasedTable>(
  db: Kysely<Database>,
  table: T,
  id: number,
  values: Updateable<Database[T]>,
  now: number,
): Promise<void> {
  await view(db)
    .updateTable(table as LeasedTable)
    .set((eb) => ({ ...(values as Updateable<LeasedColumns>), attempts: eb("attempts", "+", 1), updated_at: now }))
    .where("id", "=", id)
    .execute();
}

/** When the earliest owed row (or lease) falls due; null when nothing is owed. */
export async function nextDueAt<T extends LeasedTable>(
  db: Kysely<Database>,
  table: T,
  due: readonly Status<T>[],
): Promise<number | null> {
  const row = await view(db)
    .selectFrom(table as LeasedTable)
    .select((eb) => eb.fn.min("next_attempt_at").as("due"))
    .where("status", "in", due as readonly Status<LeasedTable>[])
    .executeTakeFirst();
  return row?.due == null ? null : Number(row.due);
}

/** What an outbox still owes: how many rows, and since when (what the backlog metrics and alerts watch). */
export async function backlog<T extends LeasedTable>(
  db: Kysely<Database>,
  table: T,
  due: readonly Status<T>[],
): Promise<{ depth: number; oldestAt: number | null }> {
  const row = await view(db)
    .selectFrom(table as LeasedTable)
    .select((eb) => [eb.fn.countAll<number>().as("depth"), eb.fn.min("created_at").as("oldest")])
    .where("status", "in", due as readonly Status<LeasedTable>[])
    .executeTakeFirst();
  return { depth: Number(row?.depth ?? 0), oldestAt: row?.oldest == null ? null : Number(row.oldest) };
}
