import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// `npm run bench` is not part of npm test; its quick mode is, so that it cannot rot. Figures are printed, not judged.
describe("npm run bench -- --quick", () => {
  it("runs every scenario and prints its figures", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "test/bench/webhook.ts", "--quick"],
      { env: { ...process.env, NODE_ENV: "production" }, maxBuffer: 1 << 20 },
    );
    expect(stdout).toMatch(/^minimal durable handler\s+\d+ req\/s\s+p50 [\d.]+ ms\s+p99 [\d.]+ ms/m);
    expect(stdout).toMatch(/^sms-signup\s+\d+ req\/s/m);
    expect(stdout).toMatch(/^ratio: req\/s [\d.]+x .*p99 [\d.]+x/m);
    expect(stdout).toMatch(/^the handler, WAL checkpoints in a worker too\s+\d+ req\/s/m);
    expect(stdout).toMatch(/^ratio to it: req\/s [\d.]+x .*p99 [\d.]+x/m);
    expect(stdout).toMatch(/Whole sign-up, \d+ phones at once[\s\S]*p99 [\d.]+ ms \(goal < 1000 ms\)/);
    expect(stdout).toMatch(/3\. (SIGNUP from fresh phones, PostgreSQL|PostgreSQL: skipped)/);
    expect(stdout).toMatch(/start to healthy: [\d.]+ ms/);
    expect(stdout).toMatch(/rss after \d+ SIGNUPs: \d+ MB on an empty database, \d+ MB with/);
    const skipped = stdout.includes("4b. PostgreSQL: skipped");
    if (!skipped) expect(stdout).toMatch(/4b\. [\d,]+ stored conversations, PostgreSQL \(filled in [\d.]+ s, trigram/);
    // 14 filters on SQLite; on PostgreSQL the list without a filter and the four text searches.
    expect(stdout.match(/^ {2}.+ p95 [\d.]+ ms$/gm)).toHaveLength(skipped ? 14 : 19);
  }, 240_000);
});
