import type { Clock } from "../conversation/ports.js";

export interface AttemptLimits {
  /** Wrong attempts a client may make at once. */
  burst: number;
  /** Then one more each this often. */
  refillMs: number;
  /** Clients remembered; the longest quiet are forgotten first, so a flood of addresses cannot fill memory. */
  maxClients: number;
}

export const OPERATOR_ATTEMPT_LIMITS: AttemptLimits = { burst: 20, refillMs: 6_000, maxClients: 10_000 };

/**
 * Wrong operator tokens per client, as a token bucket: a few mistakes cost nothing (20 at once), guessing gets ten
 * tries a minute. While a client is out of tries every attempt is refused before it is checked, the right token too, so
 * that a guesser learns nothing.
 */
export class AttemptLimiter {
  private readonly clients = new Map<string, { tries: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: AttemptLimits = OPERATOR_ATTEMPT_LIMITS,
  ) {}

  /** 0 when the client may try now; otherwise the milliseconds until it may. */
  waitMs(client: string): number {
    const tries = this.tries(client);
    return tries >= 1 ? 0 : Math.ceil((1 - tries) * this.limits.refillMs);
  }

  /** A wrong token. */
  failed(client: string): void {
    const tries = this.tries(client) - 1;
    this.clients.delete(client); // re-inserted last: the Map's order is least recently failed first
    this.clients.set(client, { tries, at: this.clock.now() });
    if (this.clients.size > this.limits.maxClients) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) this.clients.delete(oldest);
    }
  }

  private tries(client: string): number {
    const entry = this.clients.get(client);
    if (!entry) return this.limits.burst;
    return Math.min(this.limits.burst, entry.tries + (this.clock.now() - entry.at) / this.limits.refillMs);
  }
}
