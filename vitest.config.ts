import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own process: servers, ports and SQLite files never leak between files.
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
