// `npm run migrations:d1`: writes src/store/migrations-d1/*.sql (what wrangler applies to D1) from src/store/migrations.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { d1MigrationFiles } from "../store/d1-migrations.js";

export const D1_MIGRATIONS_DIR = join(import.meta.dirname, "..", "store", "migrations-d1");

const files = await d1MigrationFiles();
mkdirSync(D1_MIGRATIONS_DIR, { recursive: true });
for (const file of files) writeFileSync(join(D1_MIGRATIONS_DIR, file.name), file.sql);
console.log(`wrote ${files.map((file) => file.name).join(", ")} to src/store/migrations-d1/`);
