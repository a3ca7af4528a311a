import type { KeyedLock } from "./keyed-lock.js";
import type { ConversationStore, PhoneSerializer } from "./ports.js";

/** Messages of one phone running or waiting in one process; past it, a message is answered at once. */
export const PHONE_BACKLOG = 20;

/**
 * Every serializer queues a phone's turns within the process first (bounded), so that a flood of one phone waits
 * here instead of on database connections; what a turn holds beyond that is each place's own.
 */
export abstract class QueuedPhoneSerializer implements PhoneSerializer {
  constructor(private readonly queue: KeyedLock) {}

  run<T>(
    phone: string,
    task: (store: ConversationStore) => Promise<T>,
    whenFull: (store: ConversationStore) => Promise<T>,
  ): Promise<T> {
    return this.queue.run(
      phone,
      () => this.turn(phone, task),
      () => whenFull(this.storeOutsideTurns()),
    );
  }

  get busyPhones(): number {
    return this.queue.busyKeys;
  }

  /** Runs one turn of the phone, its turn in the process's queue come. */
  protected abstract turn<T>(phone: string, task: (store: ConversationStore) => Promise<T>): Promise<T>;

  /** The store for the answer to a message refused because its phone's queue is full. */
  protected abstract storeOutsideTurns(): ConversationStore;
}

/**
 * Turns of a phone one at a time within this process: enough where one process owns the database (a SQLite file)
 * or where one object owns the phone (a Durable Object).
 */
export class InProcessPhoneSerializer extends QueuedPhoneSerializer {
  constructor(
    private readonly store: ConversationStore,
    queue: KeyedLock,
  ) {
    super(queue);
  }

  protected turn<T>(_phone: string, task: (store: ConversationStore) => Promise<T>): Promise<T> {
    return task(this.store);
  }

  protected storeOutsideTurns(): ConversationStore {
    return this.store;
  }
}
