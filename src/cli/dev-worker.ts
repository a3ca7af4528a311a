// `npm run dev:worker`: the Worker on this machine (wrangler dev --local), configured by the same environment
// variables as `npm start`. Extra arguments go to `wrangler dev` (`--persist-to DIR` also to the migrations).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfig, SETTING_NAMES } from "../config.js";

const DEFAULT_PORT = "8787";
const root = join(import.meta.dirname, "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
// Offline by default: no telemetry, no download of the Request.cf placeholder.
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

const settings: Record<string, string> = { PORT: DEFAULT_PORT };
for (const name of SETTING_NAMES) {
  const value = process.env[name];
  if (value !== undefined && value !== "") settings[name] = value;
}

try {
  const config = parseConfig(settings);
  const extra = process.argv.slice(2);
  const persist = extra.flatMap((arg, i) => (arg === "--persist-to" ? [arg, extra[i + 1] ?? ""] : []));
  await run(["d1", "migrations", "apply", "DB", "--local", ...persist]);

  // The settings reach the Worker as vars through an env file: no value appears in a process listing.
  const dir = mkdtempSync(join(tmpdir(), "sms-signup-worker-"));
  const envFile = join(dir, "vars.env");
  writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
      .join(""),
    {
      mode: 0o600,
    },
  );
  const args = ["dev", "--local", "--ip", config.host, "--port", String(config.port), "--env-file", envFile];
  const code = await run([...args, "--show-interactive-dev-session=false", ...extra], true);
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `dev:worker failed: ${String(error)}`);
  process.exit(1);
}

/** Runs wrangler; a failure of a step that must succeed (the migrations) stops here with wrangler's own words. */
function run(args: string[], forwardSignals = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrangler, args, { cwd: root, env: childEnv, stdio: "inherit" });
    if (forwardSignals)
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
    child.on("error", reject);
    child.on("close", (code) => {
      if (!forwardSignals && code !== 0)
        reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} exited with ${code}`));
      else resolve(code ?? 1);
    });
  });
}
