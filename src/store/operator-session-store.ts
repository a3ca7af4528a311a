import type { Kysely } from "kysely";
import type { OperatorSessionStore } from "../admin/auth.js";
import type { Database } from "./schema.js";

/** Operator sessions in the service's database, so that every instance sees a sign-out at once. */
export class KyselyOperatorSessionStore implements OperatorSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(id: string, expiresAt: number, now: number): Promise<void> {
    await this.db.deleteFrom("operator_sessions").where("expires_at", "<=", now).execute();
    await this.db.insertInto("operator_sessions").values({ id, created_at: now, expires_at: expiresAt }).execute();
  }

  async isActive(id: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("operator_sessions")
      .select("id")
      .where("id", "=", id)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row !== undefined;
  }

  async end(id: string): Promise<void> {
    await this.db.deleteFrom("operator_sessions").where("id", "=", id).execute();
  }

  async endAll(): Promise<number> {
    return Number((await this.db.deleteFrom("operator_sessions").executeTakeFirst()).numDeletedRows);
  }
}
