import type { AnyStateNode } from "xstate";
import { actorOutcome, plainEventName } from "../../machines/event-names.js";
import { createSignupMachine, isRestingState } from "../../machines/signup.js";
import { DEFAULT_LIMITS } from "../../machines/types.js";

export interface StateInfo {
  name: string;
  /** A person waits here between messages; the others last only while a provider call runs. */
  resting: boolean;
  /** The provider call the state runs, if any. */
  invokes: string | null;
  /** The parent state this one is part of (signingUp), if any. */
  group: string | null;
}

/** A parent state: its moves apply in every state inside it (the idle timeout of a sign-up in progress). */
export interface Group {
  name: string;
  states: string[];
}

export interface Edge {
  /** A state, or a group: then the move is taken from any state inside it. */
  from: string;
  to: string;
  /** The events that take this edge, as the timeline names them. */
  events: string[];
}

export interface MachineGraph {
  /** The states a conversation can be in (the leaves, which the store and the timeline name), in definition order. */
  states: StateInfo[];
  groups: Group[];
  edges: Edge[];
  /** Events accepted in every state (RESET), with where they lead. */
  global: Edge[];
}

/** Where a move really lands: entering a parent state enters its initial state. */
function landing(node: AnyStateNode): string {
  const initial = node.initial?.target[0];
  return initial ? landing(initial) : node.key;
}

/** Each move out of a node, as (event label, landing state) pairs; self-loops change nothing on the picture. */
function movesOf(node: AnyStateNode): { label: string; to: string }[] {
  const moves: { label: string; to: string }[] = [];
  for (const [eventType, transitions] of node.transitions) {
    for (const transition of transitions) {
      for (const target of transition.target ?? []) {
        const to = landing(target);
        if (to !== node.key) moves.push({ label: eventLabel(eventType), to });
      }
    }
  }
  return moves;
}

/** The machine's own definition, read rather than redrawn by hand, so the picture follows the machine. */
export function machineGraph(): MachineGraph {
  // Limits and words change guards and texts, never the shape: any values draw the same graph.
  const root = createSignupMachine({ limits: DEFAULT_LIMITS, signupWord: "SIGNUP" }).root;
  const states: StateInfo[] = [];
  const groups: Group[] = [];
  const edges = new Map<string, Edge>();
  const addEdges = (node: AnyStateNode) => {
    for (const { label, to } of movesOf(node)) {
      const key = `${node.key}->${to}`;
      const edge = edges.get(key) ?? { from: node.key, to, events: [] };
      if (!edge.events.includes(label)) edge.events.push(label);
      edges.set(key, edge);
    }
  };
  const visit = (node: AnyStateNode, group: string | null) => {
    const children = Object.values(node.states);
    if (children.length > 0) {
      groups.push({ name: node.key, states: children.map((child) => child.key) });
      for (const child of children) visit(child, node.key);
    } else {
      states.push({
        name: node.key,
        resting: isRestingState(node.key),
        invokes: node.invoke[0] ? String(node.invoke[0].src) : null,
        group,
      });
    }
    addEdges(node);
  };
  for (const node of Object.values(root.states)) visit(node, null);
  const global = movesOf(root).map(({ label, to }) => ({ from: "*", to, events: [label] }));
  return { states, groups, edges: [...edges.values()], global };
}

/** "xstate.done.actor.sendCode" reads as "sendCode done", matching the timeline's "sendCode: sent". */
function eventLabel(eventType: string): string {
  const call = actorOutcome(eventType);
  return call ? `${call.actor} ${call.outcome}` : plainEventName(eventType);
}
