import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import type { SendCaps, SendLedger } from "./send-guard.js";
import { isAllowedBy, REFUSAL_REASONS, type RefusalReason, type SendTarget } from "./send-policy.js";

const HOUR_MS = 60 * 60_000;

export interface Allowance {
  id: number;
  pattern: string;
  note: string | null;
  createdBy: string;
  createdAt: number;
}

export interface DefenceSummary {
  /** Refused codes per reason since `since`. */
  refusals: Record<RefusalReason, number>;
  sent: number;
  /** Prefixes that hit their cap since `since`, the busiest first. */
  cappedPrefixes: { prefix: string; country: string | null; refused: number; lastAt: number }[];
}

/** Codes counted per prefix and country in the database, so every process shares the caps; operators' allowances. */
export class KyselySendLedger implements SendLedger {
  constructor(private readonly db: Kysely<Database>) {}

  async allowanceFor(phone: string): Promise<string | null> {
    // Allowances are few (an operator types each): read them all and match in code, on any dialect.
    const rows = await this.db.selectFrom("send_allowances").select("pattern").execute();
    return rows.find((row) => isAllowedBy(phone, row.pattern))?.pattern ?? null;
  }

  async reserve(target: SendTarget, caps: SendCaps, at: number): Promise<RefusalReason | null> {
    // Insert first, then count what came before it: two processes racing for the last slot cannot both take it.
    const { id } = await this.db
      .insertInto("code_sends")
      .values({ prefix: target.prefix, country: target.country, outcome: "sent", reason: null, at })
      .returning("id")
      .executeTakeFirstOrThrow();
    const sentBefore = (scope: "prefix" | "country" | null) => {
      let query = this.db
        .selectFrom("code_sends")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("outcome", "=", "sent")
        .where("at", ">", at - HOUR_MS)
        .where("id", "<=", id);
      if (scope === "prefix") query = query.where("prefix", "=", target.prefix);
      if (scope === "country") query = query.where("country", "=", target.country ?? "");
      return query.executeTakeFirstOrThrow().then((row) => Number(row.n));
    };
    const checks: [RefusalReason, "prefix" | "country" | null, number][] = [
      ["prefix_cap", "prefix", caps.perPrefixPerHour],
      ["country_cap", "country", caps.perCountryPerHour],
      ["global_budget", null, caps.perHour],
    ];
    for (const [reason, scope, cap] of checks) {
      if (cap > 0 && (await sentBefore(scope)) > cap) {
        await this.db.updateTable("code_sends").set({ outcome: "refused", reason }).where("id", "=", id).execute();
        return reason;
      }
    }
    return null;
  }

  async recordAllowed(target: SendTarget, at: number): Promise<void> {
    await this.db
      .insertInto("code_sends")
      .values({ prefix: target.prefix, country: target.country, outcome: "sent", reason: "allowed", at })
      .execute();
  }

  async recordRefusal(target: SendTarget, reason: RefusalReason, at: number): Promise<void> {
    await this.db
      .insertInto("code_sends")
      .values({ prefix: target.prefix, country: target.country, outcome: "refused", reason, at })
      .execute();
  }

  async summary(since: number): Promise<DefenceSummary> {
    const byReason = await this.db
      .selectFrom("code_sends")
      .select(["outcome", "reason", (eb) => eb.fn.countAll<number>().as("n")])
      .where("at", ">=", since)
      .groupBy(["outcome", "reason"])
      .execute();
    const refusals = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<RefusalReason, number>;
    let sent = 0;
    for (const row of byReason) {
      if (row.outcome === "sent") sent += Number(row.n);
      else if (row.reason && row.reason in refusals) refusals[row.reason as RefusalReason] += Number(row.n);
    }
    const capped = await this.db
      .selectFrom("code_sends")
      .select(["prefix", "country", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.max("at").as("last")])
      .where("at", ">=", since)
      .where("reason", "=", "prefix_cap")
      .groupBy(["prefix", "country"])
      .orderBy("n", "desc")
      .limit(20)
      .execute();
    return {
      refusals,
      sent,
      cappedPrefixes: capped.map((row) => ({
        prefix: row.prefix,
        country: row.country,
        refused: Number(row.n),
        lastAt: Number(row.last),
      })),
    };
  }

  async listAllowances(): Promise<Allowance[]> {
    const rows = await this.db.selectFrom("send_allowances").selectAll().orderBy("id", "desc").execute();
    return rows.map((row) => ({
      id: row.id,
      pattern: row.pattern,
      note: row.note,
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
    }));
  }

  /** Adds an allowance; the same pattern twice is one allowance (the first note stays). */
  async allow(pattern: string, note: string | null, operator: string, at: number): Promise<Allowance> {
    await this.db
      .insertInto("send_allowances")
      .values({ pattern, note, created_by: operator, created_at: at })
      .onConflict((oc) => oc.column("pattern").doNothing())
      .execute();
    const row = await this.db
      .selectFrom("send_allowances")
      .selectAll()
      .where("pattern", "=", pattern)
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      pattern: row.pattern,
      note: row.note,
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
    };
  }

  async removeAllowance(id: number): Promise<boolean> {
    const removed = await this.db.deleteFrom("send_allowances").where("id", "=", id).executeTakeFirst();
    return Number(removed.numDeletedRows) > 0;
  }
}
