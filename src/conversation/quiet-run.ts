import {
  type ActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  createEmptyActor,
  type EventFromLogic,
  type EventObject,
  type InputFrom,
  type Snapshot,
  type StateValue,
} from "xstate";

/**
 * What a machine's events did without an actor: all of them, the machine resting after them ("rested"); or the
 * first few, up to an event that enters a state with a provider call ("handover"): an actor runs the rest from
 * `start`. `values` and `emitted` are for the events run here only.
 */
export type QuietRun<Emitted> =
  | {
      kind: "rested";
      snapshot: AnyMachineSnapshot;
      persisted: Snapshot<unknown>;
      values: StateValue[];
      emitted: Emitted[];
    }
  | { kind: "handover"; start: object | null; values: StateValue[]; emitted: Emitted[] };

interface Collecting {
  deferred: (() => void)[];
  emitted: EventObject[];
  /** An action other than emitting ran (an invoke, a timer, a custom action): only an actor can carry it out. */
  loud: boolean;
}

/**
 * Runs a machine's events on its pure logic (getInitialSnapshot, transition), without an actor, when they reach no
 * provider call: an actor costs a system, a mailbox, inspection and a subscription to wait on, for a turn that only
 * moves between resting states. It gives up (null) wherever the events would do more than assign and emit, or leave
 * the machine anywhere but at rest; the caller then runs the same events on an actor, and nothing has happened yet:
 * the emitted events are only collected, never delivered, until the run has settled.
 */
export class QuietRunner<Machine extends AnyStateMachine, Emitted extends EventObject> {
  private readonly scope: ActorScope<AnyMachineSnapshot, EventObject>;
  private collecting: Collecting | null = null;

  constructor(
    private readonly machine: Machine,
    /** Whether a snapshot is where the machine waits for the next event (the engine's "resting" tag). */
    private readonly rests: (snapshot: AnyMachineSnapshot) => boolean,
  ) {
    // Never started and never sent to: it only stands where the logic expects its actor (`self`, `system`).
    const inert = createEmptyActor();
    const current = () => {
      if (!this.collecting) throw new Error("the quiet runner's scope was used outside a run");
      return this.collecting;
    };
    this.scope = {
      self: inert as unknown as ActorScope<AnyMachineSnapshot, EventObject>["self"],
      id: "",
      sessionId: "",
      logger: () => {},
      system: inert.system,
      stopChild: () => {
        current().loud = true;
      },
      defer: (fn) => current().deferred.push(fn),
      emit: (event) => current().emitted.push(event),
      // An emit only defers its delivery (to `emit` above); anything else would act on the world.
      actionExecutor: (action) => {
        if (action.type === "xstate.emit") action.exec?.(action.info, action.params);
        else current().loud = true;
      },
    };
  }

  /**
   * `start`: the persisted snapshot to restore, or null for a new actor given `input`. Null where only an actor can
   * run these events, from the same start (an action other than assign or emit, an error): nothing has happened.
   */
  run(
    start: object | null,
    input: InputFrom<Machine>,
    events: readonly EventFromLogic<Machine>[],
  ): QuietRun<Emitted> | null {
    // A stored snapshot with an actor in it is a call in flight: restoring it would start the call.
    const children = (start as { children?: object } | null)?.children;
    if (children && Object.keys(children).length > 0) return null;
    const collecting: Collecting = { deferred: [], emitted: [], loud: false };
    this.collecting = collecting;
    try {
      let snapshot: AnyMachineSnapshot =
        start === null
          ? this.machine.getInitialSnapshot(this.scope, input)
          : this.machine.restoreSnapshot?.(start as Snapshot<unknown>, this.scope);
      const values: StateValue[] = [];
      for (const event of events) {
        if (snapshot.status !== "active") return null;
        // The transitions the event will take, guards evaluated (what `transition` selects first): the actor takes
        // the turn over at the first that enters a call, from the machine as the events before it left it.
        if (this.machine.getTransitionData(snapshot, event).some(entersCall)) {
          if (values.length === 0) return { kind: "handover", start, values, emitted: [] };
          for (const fn of collecting.deferred) fn();
          return {
            kind: "handover",
            start: this.machine.getPersistedSnapshot(snapshot),
            values,
            emitted: collecting.emitted as Emitted[],
          };
        }
        snapshot = this.machine.transition(snapshot, event, this.scope);
        if (collecting.loud) return null;
        values.push(snapshot.value);
      }
      if (snapshot.status !== "active" || !this.rests(snapshot) || Object.keys(snapshot.children).length > 0)
        return null;
      for (const fn of collecting.deferred) fn();
      return {
        kind: "rested",
        snapshot,
        persisted: this.machine.getPersistedSnapshot(snapshot),
        values,
        emitted: collecting.emitted as Emitted[],
      };
    } catch {
      // The actor meets the same error and reports it as a failed turn, as it always has.
      return null;
    } finally {
      this.collecting = null;
    }
  }
}

/** Whether taking a transition enters a state that calls out (an invoke; a timer or an eventless move, to be safe). */
function entersCall(transition: AnyTransitionDefinition): boolean {
  let enters = entersCallByTransition.get(transition);
  if (enters === undefined) {
    enters = (transition.target ?? []).some(entersAt);
    entersCallByTransition.set(transition, enters);
  }
  return enters;
}
const entersCallByTransition = new WeakMap<AnyTransitionDefinition, boolean>();

const invokes = (node: AnyStateNode) => node.invoke.length > 0 || node.after.length > 0 || node.always !== undefined;

/** Entering `target`: it, its ancestors (some may be active already: counted anyway) and what it starts in. */
function entersAt(target: AnyStateNode): boolean {
  for (let node: AnyStateNode | undefined = target; node; node = node.parent) if (invokes(node)) return true;
  return startsCall(target);
}

function startsCall(node: AnyStateNode): boolean {
  if (invokes(node) || node.type === "history") return true;
  if (node.type === "parallel") return Object.values(node.states).some(startsCall);
  if (node.type !== "compound") return false;
  return node.initial.target.some((initial) => {
    for (let step: AnyStateNode | undefined = initial; step && step !== node; step = step.parent)
      if (invokes(step)) return true;
    return startsCall(initial);
  });
}
