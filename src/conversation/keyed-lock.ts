/**
 * One task at a time per key, in the order `run` was called; different keys run in parallel. Keys with nothing
 * queued are forgotten, so memory follows the number of busy phones, not the number of phones ever seen.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many keys have work queued or running (for health and benchmarks). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
