import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/** A child process whose output can be awaited line by line, as a person at the terminal would read it. */
export class RunningProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private waiters: { pattern: RegExp; from: number; resolve: (match: RegExpExecArray) => void }[] = [];

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
      this.check();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  }

  static start(
    command: string,
    args: string[],
    env: Record<string, string | undefined>,
    cwd = process.cwd(),
  ): RunningProcess {
    return new RunningProcess(
      spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] }),
    );
  }

  /** Resolves when stdout (after the position `from`) matches; fails if the process ends first or time runs out. */
  waitFor(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters = this.waiters.filter((w) => w.pattern !== pattern);
        reject(new Error(`${why} ${pattern}:\n${JSON.stringify(this.stdout)}\n${this.stderr}`));
      };
      const timer = setTimeout(() => fail(`no match in ${timeoutMs} ms for`), timeoutMs);
      this.waiters.push({
        pattern,
        from,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
      this.check();
      void this.exited.then(() => {
        if (this.waiters.some((w) => w.pattern === pattern)) {
          clearTimeout(timer);
          fail("process ended before");
        }
      });
    });
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Keys as typed at a terminal: no newline added ("\r" is Enter). */
  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  end(): void {
    this.child.stdin.end();
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
  }

  private check(): void {
    this.waiters = this.waiters.filter((waiter) => {
      const match = waiter.pattern.exec(this.stdout.slice(waiter.from));
      if (match) waiter.resolve(match);
      return !match;
    });
  }
}

/** The environment of a child that must run in local mode whatever the developer's shell has set. */
export function localModeEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith("TWILIO_") || key === "ADMIN_TOKEN" || key === "PORT") delete env[key];
  return { ...env, LOG_LEVEL: "silent", ...extra };
}

/**
 * Drives `npm run chat` through a sign-up up to the code: SIGNUP, ana@example.com, then types the code the SMS
 * brought (shown before "We sent you a code"). Returns the code; what comes after it is the caller's to await.
 */
export async function chatUpToCode(chat: RunningProcess): Promise<string> {
  await chat.waitFor(/Type a message/);
  chat.write("SIGNUP");
  await chat.waitFor(/← Welcome! What's your email address\?/);
  chat.write("ana@example.com");
  const [, code] = await chat.waitFor(/← Your sign-up code is (\d{6})\./);
  await chat.waitFor(/← We sent you a code/);
  chat.write(code!);
  return code!;
}
