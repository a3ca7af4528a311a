import { afterEach, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../test/support/service.js";
import { systemClock } from "../conversation/ports.js";
import { type LeasedItems, LeasedOutbox } from "./drain-loop.js";

interface Item {
  id: number;
  attempts: number;
  dueAt: number;
}

/** Items in memory, leased as the stores lease rows: claimed when due, due again at their retry. */
class MemoryItems implements LeasedItems<Item> {
  constructor(readonly items: Item[]) {}

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Item[]> {
    const due = this.items.filter((item) => item.dueAt <= now).slice(0, limit);
    for (const item of due) item.dueAt = now + leaseMs;
    return due;
  }

  async nextDueAt(): Promise<number | null> {
    return this.items.length === 0 ? null : Math.min(...this.items.map((item) => item.dueAt));
  }
}

/** Fails each item's first delivery (its retry falls due after `delay`), delivers the second. */
class FlakyOutbox extends LeasedOutbox<Item> {
  readonly deliveries: number[] = [];

  constructor(
    private readonly store: MemoryItems,
    pollMs: number,
  ) {
    super("test outbox", store, { clock: systemClock, logger: new MemoryLogger(), pollMs, random: () => 0 });
  }

  protected async deliver(item: Item): Promise<boolean> {
    this.deliveries.push(item.id);
    item.attempts += 1;
    if (item.attempts > 1) {
      this.store.items.splice(this.store.items.indexOf(item), 1);
      return true;
    }
    item.dueAt = Date.now() + this.delay(0);
    return false;
  }
}

describe("LeasedOutbox", () => {
  let outbox: FlakyOutbox | null = null;
  afterEach(() => outbox?.stop());

  it("wakes for a retry when it falls due, not at its next poll", async () => {
    // The first retry waits 1-2 s (2 s, halved by the jitter of random() = 0); the poll is a minute away.
    outbox = new FlakyOutbox(new MemoryItems([{ id: 1, attempts: 0, dueAt: 0 }]), 60_000);
    outbox.start();
    await expect.poll(() => outbox?.deliveries, { timeout: 5_000, interval: 50 }).toEqual([1, 1]);
  });
});
