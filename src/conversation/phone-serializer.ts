import type { KeyedLock } from "./keyed-lock.js";
import type { ConversationStore, PhoneSerializer } from "./ports.js";

/** Messages of one phone running or waiting in one process; past it, a message is answered at once. */
export const PHONE_BACKLOG = 20;

/**
 * Turns of a phone one at a time within this process: enough where one process owns the database (a SQLite file),
 * and the first stage of the others (so that a flood of one phone waits here, not on database connections).
 */
export class InProcessPhoneSerializer implements PhoneSerializer {
  constructor(
    private readonly store: ConversationStore,
    private readonly queue: KeyedLock,
  ) {}

  run<T>(
    phone: string,
    task: (store: ConversationStore) => Promise<T>,
    whenFull: (store: ConversationStore) => Promise<T>,
  ): Promise<T> {
    return this.queue.run(
      phone,
      () => task(this.store),
      () => whenFull(this.store),
    );
  }

  get busyPhones(): number {
    return this.queue.busyKeys;
  }
}
