import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { migrationProvider } from "./migrations.js";

export interface SqlMigrationFile {
  /** `0001_conversations.sql`: wrangler applies the files of src/store/migrations-d1/ in name order, each once. */
  name: string;
  sql: string;
}

/**
 * D1's migrations, written from the very migrations Node runs (SQLite's dialect), so that there is one schema
 * source: each migration runs against a driver that only records the statements it is given.
 */
export async function d1MigrationFiles(): Promise<SqlMigrationFile[]> {
  const migrations = await migrationProvider("sqlite").getMigrations();
  const files: SqlMigrationFile[] = [];
  for (const name of Object.keys(migrations).sort()) {
    const recorded: string[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: the migrations run against the schema as it was then
    const db = new Kysely<any>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new RecordingDriver(recorded),
        createIntrospector: (kysely) => new SqliteIntrospector(kysely),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    });
    await migrations[name]?.up(db);
    await db.destroy();
    const header = `-- Written by \`npm run migrations:d1\` from src/store/migrations.ts (${name}); do not edit.\n`;
    files.push({ name: `${name}.sql`, sql: `${header}${recorded.map((statement) => `${statement};\n`).join("")}` });
  }
  return files;
}

class RecordingDriver implements Driver {
  constructor(private readonly recorded: string[]) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const recorded = this.recorded;
    return {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        // DDL carries no parameters; a migration that needed one could not be replayed from a file.
        if (query.parameters.length > 0) throw new Error(`a D1 migration cannot bind parameters: ${query.sql}`);
        recorded.push(query.sql);
        return { rows: [] };
      },
      // biome-ignore lint/correctness/useYield: migrations never stream
      async *streamQuery() {
        throw new Error("not supported");
      },
    };
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
