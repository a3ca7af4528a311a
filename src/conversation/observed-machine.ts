import type {
  ActorLogic,
  ActorSystem,
  AnyActorRef,
  AnyStateMachine,
  EmittedFrom,
  EventFromLogic,
  InputFrom,
  SnapshotFrom,
} from "xstate";

type Logic<Machine extends AnyStateMachine> = ActorLogic<
  SnapshotFrom<Machine>,
  EventFromLogic<Machine>,
  InputFrom<Machine>,
  // biome-ignore lint/suspicious/noExplicitAny: xstate's AnyActorSystem, which it does not export
  ActorSystem<any>,
  EmittedFrom<Machine>
>;

/**
 * A machine as actor logic that tells each actor's listener the event it took and the snapshot that event left:
 * what xstate's `inspect` told, without an inspection event built for every action, microstep and snapshot of the
 * actor and its children. The snapshots are the machine's own; only the root actor's events pass here.
 */
export class ObservedMachine<Machine extends AnyStateMachine> {
  readonly logic: Logic<Machine>;
  private readonly listeners = new WeakMap<
    AnyActorRef,
    (event: EventFromLogic<Machine>, next: SnapshotFrom<Machine>) => void
  >();

  constructor(machine: Machine) {
    this.logic = {
      transition: (snapshot, event, scope) => {
        const next = machine.transition(snapshot, event, scope) as SnapshotFrom<Machine>;
        this.listeners.get(scope.self)?.(event, next);
        return next;
      },
      getInitialSnapshot: (scope, input) => machine.getInitialSnapshot(scope, input) as SnapshotFrom<Machine>,
      restoreSnapshot: (snapshot, scope) => machine.restoreSnapshot(snapshot, scope) as SnapshotFrom<Machine>,
      getPersistedSnapshot: (snapshot, options) => machine.getPersistedSnapshot(snapshot, options),
      start: (snapshot) => machine.start(snapshot),
    };
  }

  /** From now on, each event `actor` takes (the snapshot it starts from is not one). */
  listen(actor: AnyActorRef, listener: (event: EventFromLogic<Machine>, next: SnapshotFrom<Machine>) => void): void {
    this.listeners.set(actor, listener);
  }
}
