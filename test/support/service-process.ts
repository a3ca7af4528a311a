import { type ChildProcess, spawn } from "node:child_process";
import twilio from "twilio";
import { freePort } from "./free-port.js";
import { newMessageSid, PUBLIC_URL, parseReplies, productionEnv, TEST_AUTH_TOKEN } from "./service.js";

export interface Texted {
  status: number;
  replies: string[];
}

/**
 * `npm start` as its own process (production mode against fakes), which a test may kill with SIGKILL and start again
 * on the same port and database, as a supervisor would.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(databaseUrl: string, twilioUrl: string, env: Record<string, string> = {}) {
    const service = new ServiceProcess(await freePort(), {
      PATH: process.env.PATH ?? "",
      ...productionEnv(twilioUrl),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL,
      LOG_LEVEL: "warn",
      ...env,
    });
    await service.restart();
    return service;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again) and resolves once /healthz answers 200. */
  async restart(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
      env: { ...this.env, PORT: String(this.port) },
      stdio: ["ignore", "ignore", "inherit"],
    });
    this.child = child;
    while (!(await this.healthy())) {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async healthy(): Promise<boolean> {
    return fetch(`${this.url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  }

  /** kill -9: no shutdown, no last commit. */
  async kill9(): Promise<void> {
    await this.end("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.end("SIGTERM");
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  /** An inbound SMS as Twilio delivers it (signed); `messageSid` for a redelivery. */
  async text(from: string, body: string, messageSid = newMessageSid()): Promise<Texted> {
    const params = { MessageSid: messageSid, SmsSid: messageSid, From: from, To: "+15005550006", Body: body };
    const response = await fetch(`${this.url}/sms`, {
      method: "POST",
      headers: {
        "X-Twilio-Signature": twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, `${PUBLIC_URL}/sms`, params),
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(params),
    });
    return { status: response.status, replies: parseReplies(await response.text()) };
  }
}
