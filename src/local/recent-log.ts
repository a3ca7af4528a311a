/**
 * What local mode "sent", numbered from 1 in sending order, the latest `keep` kept in memory (bounded: a long
 * local session must not grow without end), so that a terminal "phone" can ask for what came after a number.
 */
export class RecentLog<T extends { id: number }> {
  private sequence = 0;
  private readonly entries: T[] = [];

  constructor(private readonly keep = 500) {}

  /** The number the next entry gets. */
  next(): number {
    this.sequence += 1;
    return this.sequence;
  }

  add(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.keep) this.entries.splice(0, this.entries.length - this.keep);
  }

  /** The entries numbered after `afterId` that `belongs` picks, oldest first. */
  after(afterId: number, belongs: (entry: T) => boolean): T[] {
    return this.entries.filter((entry) => entry.id > afterId && belongs(entry));
  }
}
