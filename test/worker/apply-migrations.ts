import { applyD1Migrations, env } from "cloudflare:test";

// The files wrangler applies to D1 in production (src/store/migrations-d1/), applied the same way before the tests.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
