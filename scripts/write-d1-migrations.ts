// `npm run migrations:d1`: writes migrations/*.sql (what wrangler applies to D1) from src/store/migrations.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { d1MigrationFiles } from "../src/store/d1-migrations.js";

export const D1_MIGRATIONS_DIR = join(import.meta.dirname, "..", "migrations");

const files = await d1MigrationFiles();
mkdirSync(D1_MIGRATIONS_DIR, { recursive: true });
for (const file of files) writeFileSync(join(D1_MIGRATIONS_DIR, file.name), file.sql);
console.log(`wrote ${files.map((file) => file.name).join(", ")} to migrations/`);
