import type { Clock, Logger } from "../conversation/ports.js";
import { backoffDelay } from "../http/retry.js";

/**
 * An outbox's sender: `drainDue` runs on a poll and whenever kicked, never two at a time; a kick during a run asks
 * for one more run, so work that arrived meanwhile is not left for the next poll.
 */
export abstract class DrainLoop {
  private running: Promise<number> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;

  constructor(
    private readonly pollMs: number,
    private readonly loopLogger: Logger,
    private readonly name: string,
  ) {}

  /** Sends what is due now; how many went. */
  protected abstract drainDue(): Promise<number>;

  /** In how many ms something is due, if the loop should wake for it before its next poll. */
  protected nextDueInMs(): Promise<number | null> {
    return Promise.resolve(null);
  }

  /** Polls until stop(); a kick() between polls sends at once. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  kick(): void {
    void this.drain().catch((error) => this.loopLogger.error({ err: error }, `${this.name} drain failed`));
  }

  /** Everything due now; concurrent callers share one run and learn how many items it completed. */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let done = 0;
      do {
        this.again = false;
        done += await this.drainDue();
      } while (this.again);
      return done;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.drain().catch((error) => this.loopLogger.error({ err: error }, `${this.name} drain failed`));
      const due = await this.nextDueInMs().catch(() => null);
      this.schedule(due === null ? this.pollMs : Math.min(this.pollMs, Math.max(200, due)));
    }, delayMs);
    // A poll timer alone must not keep a process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }
}

/** How an outbox retries: the same for the success SMS, the emails and the product's events. */
export interface RetryOptions {
  clock: Clock;
  logger: Logger;
  /** First retry delay; each further one doubles, up to maxDelayMs, with jitter so retries don't stampede. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  /** How long a claimed item is ours before another sender may take it (a crash mid-send). */
  leaseMs?: number;
  pollMs?: number;
  random?: () => number;
}

/** Where an outbox's own defaults differ from these. */
export type RetryDefaults = Partial<Omit<RetryOptions, "clock" | "logger" | "random">>;

const DEFAULTS = {
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 12,
  leaseMs: 60_000,
  pollMs: 5_000,
} satisfies RetryDefaults;

/** Where an outbox's due items are: each is leased to the one sender that claimed it. */
export interface LeasedItems<T> {
  claimDue(now: number, limit: number, leaseMs: number): Promise<T[]>;
  /** When the earliest retry or lease falls due; null when nothing is owed. */
  nextDueAt(): Promise<number | null>;
}

/** An outbox of leased rows: claims what is due, ten at a time, and delivers each, retrying with backoff. */
export abstract class LeasedOutbox<T> extends DrainLoop {
  protected readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  protected readonly leaseMs: number;
  private readonly random: () => number;

  constructor(
    name: string,
    private readonly items: LeasedItems<T>,
    private readonly retry: RetryOptions,
    defaults: RetryDefaults = {},
  ) {
    super(retry.pollMs ?? defaults.pollMs ?? DEFAULTS.pollMs, retry.logger, name);
    this.baseDelayMs = retry.baseDelayMs ?? defaults.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = retry.maxDelayMs ?? defaults.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxAttempts = retry.maxAttempts ?? defaults.maxAttempts ?? DEFAULTS.maxAttempts;
    this.leaseMs = retry.leaseMs ?? defaults.leaseMs ?? DEFAULTS.leaseMs;
    this.random = retry.random ?? Math.random;
  }

  /** Sends one; whether it went. */
  protected abstract deliver(item: T): Promise<boolean>;

  protected async drainDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const batch = await this.items.claimDue(this.retry.clock.now(), 10, this.leaseMs);
      if (batch.length === 0) return sent;
      for (const item of batch) sent += (await this.deliver(item)) ? 1 : 0;
    }
  }

  /** Due again at the earliest retry or lease end: the loop wakes then, not at its next poll (a retry in 2 s). */
  protected override async nextDueInMs(): Promise<number | null> {
    const due = await this.items.nextDueAt();
    return due === null ? null : due - this.retry.clock.now();
  }

  /** The wait after the given number of failed attempts: the outbound calls' backoff, one step further along. */
  delay(attempts: number): number {
    return backoffDelay(attempts + 1, { baseDelayMs: this.baseDelayMs, maxDelayMs: this.maxDelayMs }, this.random);
  }
}
