import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Unit tests of pure modules sit beside them; integration and end-to-end tests live in test/.
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "machines/**/*.test.ts"],
    // Those run inside workerd: vitest.worker.config.ts.
    exclude: ["test/worker/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own process: servers, ports and SQLite files never leak between files.
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
