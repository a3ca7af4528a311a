import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.js";
import { freePort } from "./free-port.js";
import { localModeEnv } from "./process.js";
import { PUBLIC_URL, WebhookClient } from "./service.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** A port nobody listens on right now (wrangler needs a number; it cannot report the one it was given by 0). */
/**
 * `npm run dev:worker` as a real process (wrangler dev --local: workerd, D1, Durable Objects) with a fresh state
 * directory, configured by environment variables exactly as `npm start` is.
 */
export class WorkerProcess extends WebhookClient {
  output = "";

  private constructor(
    url: string,
    config: ReturnType<typeof parseConfig>,
    private readonly child: ChildProcess,
    private readonly stateDir: string,
  ) {
    super(url, config);
  }

  static async start(settings: Record<string, string> = {}): Promise<WorkerProcess> {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), "sms-signup-worker-state-"));
    const env = localModeEnv({ PUBLIC_URL, ...settings, PORT: String(port) });
    const child = spawn("npm", ["run", "--silent", "dev:worker", "--", "--persist-to", stateDir], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      // Its own process group: stop() ends wrangler and workerd with it.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const worker = new WorkerProcess(`http://127.0.0.1:${port}`, parseConfig(env), child, stateDir);
    const append = (chunk: Buffer) => {
      worker.output += chunk.toString("utf8");
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    await worker.ready();
    return worker;
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`dev:worker exited early:\n${this.output}`);
      const healthy = await fetch(`${this.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`dev:worker was not healthy within 90 s:\n${this.output}`);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("close", resolve));
    if (this.child.exitCode === null && this.child.pid) process.kill(-this.child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (this.child.exitCode === null && this.child.pid) process.kill(-this.child.pid, "SIGKILL");
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
