// Statements of the hot path built once: building and compiling a Kysely query on every message cost more than
// running it. Web-standard only: the Workers store compiles the same statements into its D1 batches.
import { type Compilable, type CompiledQuery, createQueryId, type Kysely, type QueryResult } from "kysely";
import type { Database } from "./schema.js";

/** Stands for an argument while the statement is built; its value is bound at each run. */
class Slot {
  constructor(readonly index: number) {}
}

/** One run of a prepared statement: compiled (a D1 batch takes it so), or run on the database it was bound to. */
export interface BoundStatement<R> {
  compile(): CompiledQuery<R>;
  execute(): Promise<QueryResult<R>>;
}

/**
 * A statement whose shape never depends on its arguments' values, built and compiled once per dialect: `build` runs
 * with placeholders, and each call binds the real values in their places. Arguments must only be used as values
 * (never inspected or spread), since at build time they are not there.
 */
export function prepared<Args extends unknown[], R>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<R>,
): (db: Kysely<Database>, ...args: Args) => BoundStatement<R> {
  // Per dialect adapter: a transaction shares its database's adapter, PostgreSQL and SQLite (or D1) do not.
  const templates = new WeakMap<object, CompiledQuery<R>>();
  return (db, ...args) => {
    const compile = (): CompiledQuery<R> => {
      const adapter = db.getExecutor().adapter;
      let template = templates.get(adapter);
      if (template === undefined) {
        template = build(db, ...(args.map((_, index) => new Slot(index)) as Args)).compile();
        templates.set(adapter, template);
      }
      return {
        ...template,
        queryId: createQueryId(),
        // An argument left undefined binds null (Kysely would have left the column out: its default, null here).
        parameters: template.parameters.map((value) => (value instanceof Slot ? (args[value.index] ?? null) : value)),
      };
    };
    return { compile, execute: () => db.executeQuery(compile()) };
  };
}

/**
 * An insert of 1 to `most` rows, one prepared statement per count of rows. Every row gives every one of `columns`.
 */
export function preparedRows<Row extends object, R>(
  most: number,
  columns: readonly (keyof Row & string)[],
  build: (db: Kysely<Database>, rows: Row[]) => Compilable<R>,
): (db: Kysely<Database>, rows: Row[]) => BoundStatement<R> {
  const byCount = Array.from({ length: most }, (_, i) =>
    prepared((db: Kysely<Database>, ...values: unknown[]) => {
      const rows = Array.from({ length: i + 1 }, (_, r) =>
        Object.fromEntries(columns.map((column, c) => [column, values[r * columns.length + c]])),
      );
      return build(db, rows as Row[]);
    }),
  );
  return (db, rows) => {
    const statement = byCount[rows.length - 1];
    if (statement === undefined) throw new Error(`an insert of 1 to ${most} rows, not ${rows.length}`);
    return statement(db, ...rows.flatMap((row) => columns.map((column) => row[column])));
  };
}
