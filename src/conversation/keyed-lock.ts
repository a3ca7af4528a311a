/**
 * One task at a time per key, in the order `run` was called; different keys run in parallel. Keys with nothing
 * queued are forgotten, so memory follows the number of busy phones, not the number of phones ever seen; and no
 * key holds more than `maxPerKey` tasks (running and waiting), so one phone cannot grow memory without bound.
 */
export class KeyedLock {
  private readonly queues = new Map<string, { tail: Promise<unknown>; size: number }>();

  constructor(private readonly maxPerKey = Number.POSITIVE_INFINITY) {}

  /** Runs `task` after the key's earlier tasks; `onFull` instead, at once, when the key already holds its maximum. */
  run<T>(key: string, task: () => Promise<T>, onFull?: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (queue && queue.size >= this.maxPerKey && onFull) return onFull();
    if (!queue) {
      queue = { tail: Promise.resolve(), size: 0 };
      this.queues.set(key, queue);
    }
    const entry = queue;
    entry.size += 1;
    const result = entry.tail.then(task, task);
    entry.tail = result.then(
      () => this.leave(key, entry),
      () => this.leave(key, entry),
    );
    return result;
  }

  /** How many tasks a key holds, running and waiting (what its bound limits). */
  sizeOf(key: string): number {
    return this.queues.get(key)?.size ?? 0;
  }

  /** How many keys have work queued or running (for health and benchmarks). */
  get busyKeys(): number {
    return this.queues.size;
  }

  private leave(key: string, entry: { size: number }): void {
    entry.size -= 1;
    if (entry.size === 0 && this.queues.get(key) === entry) this.queues.delete(key);
  }
}
