// The tests that run inside workerd (the Workers runtime), one project per verification provider: a Worker's
// configuration is fixed for its life, as in production. `npm run test:worker`.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./src/store/migrations-d1");
  const project = (name: string, include: string[]) => ({
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/worker.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, ...inject("workerVars") } },
      })),
    ],
    // The twilio SDK's axios must be its browser build (fetch adapter), as in wrangler's bundle; without this the
    // pool loads axios's Node adapter and requests never complete (reference/cloudflare.md, failure 4).
    resolve: {
      alias: { axios: fileURLToPath(new URL("./node_modules/axios/dist/browser/axios.cjs", import.meta.url)) },
    },
    test: {
      name,
      include,
      globalSetup: ["./test/worker/global-setup.ts"],
      setupFiles: ["./test/worker/apply-migrations.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  });
  return {
    test: {
      projects: [
        project("worker", ["test/worker/*.test.ts"]),
        project("worker-verify", ["test/worker/providers/verify.test.ts"]),
        project("worker-authy", ["test/worker/providers/authy.test.ts"]),
      ],
    },
  };
});
