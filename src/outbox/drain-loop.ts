import type { Logger } from "../conversation/ports.js";

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
