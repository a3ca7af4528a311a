import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const NODE_ONLY_PACKAGES =
  /node_modules\/(better-sqlite3|pg|pg-[a-z]+|pino|pino-[a-z]+|prom-client|@hono\/node-server)\//;
const NODE_ONLY_SOURCES = ["src/node.ts", "src/logger.ts", "src/store/node-database.ts"];

describe("the Worker bundle (wrangler deploy --dry-run)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "sms-signup-bundle-"));
  let output = "";
  let bundle = "";
  let sources: string[] = [];

  beforeAll(async () => {
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
    );
    output = stdout + stderr;
    bundle = readFileSync(join(outdir, "worker.js"), "utf8");
    sources = (JSON.parse(readFileSync(join(outdir, "worker.js.map"), "utf8")) as { sources: string[] }).sources;
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("holds the shared core and none of the Node-only modules", () => {
    expect(sources.some((source) => source.endsWith("src/conversation/engine.ts"))).toBe(true);
    expect(sources.some((source) => source.endsWith("machines/signup.ts"))).toBe(true);
    expect(sources.filter((source) => NODE_ONLY_PACKAGES.test(source))).toEqual([]);
    expect(sources.filter((source) => NODE_ONLY_SOURCES.some((path) => source.endsWith(path)))).toEqual([]);
    expect(bundle).not.toMatch(/(from\s*|import\s*\(\s*|require\(\s*)"node:/);
  });

  it("stays under 1 MiB gzipped, as wrangler counts it", () => {
    const reported = /gzip: ([\d.]+) KiB/.exec(output);
    expect(reported, output).not.toBeNull();
    expect(Number(reported?.[1])).toBeLessThan(1024);
    expect(gzipSync(bundle).length).toBeLessThan(1024 * 1024);
  });
});
