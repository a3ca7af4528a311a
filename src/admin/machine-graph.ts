import { createSignupMachine, RESTING_STATES } from "../../machines/signup.js";
import { DEFAULT_LIMITS } from "../../machines/types.js";

export interface StateInfo {
  name: string;
  /** A person waits here between messages; the others last only while a provider call runs. */
  resting: boolean;
  /** The provider call the state runs, if any. */
  invokes: string | null;
}

export interface Edge {
  from: string;
  to: string;
  /** The events that take this edge, as the timeline names them. */
  events: string[];
}

export interface MachineGraph {
  states: StateInfo[];
  edges: Edge[];
  /** Events accepted in every state (RESET), with where they lead. */
  global: Edge[];
}

/** The machine's own definition, read rather than redrawn by hand, so the picture follows the machine. */
export function machineGraph(): MachineGraph {
  // Limits and words change guards and texts, never the shape: any values draw the same graph.
  const root = createSignupMachine({ limits: DEFAULT_LIMITS, signupWord: "SIGNUP" }).root;
  const states: StateInfo[] = [];
  const edges = new Map<string, Edge>();
  for (const [name, node] of Object.entries(root.states)) {
    states.push({
      name,
      resting: (RESTING_STATES as readonly string[]).includes(name),
      invokes: node.invoke[0] ? String(node.invoke[0].src) : null,
    });
    for (const [eventType, transitions] of node.transitions) {
      for (const transition of transitions) {
        for (const target of transition.target ?? []) {
          if (target.key === name) continue; // a self-loop changes nothing an operator sees in the picture
          const key = `${name}->${target.key}`;
          const edge = edges.get(key) ?? { from: name, to: target.key, events: [] };
          const label = eventLabel(eventType);
          if (!edge.events.includes(label)) edge.events.push(label);
          edges.set(key, edge);
        }
      }
    }
  }
  const global: Edge[] = [];
  for (const [eventType, transitions] of root.transitions) {
    for (const transition of transitions) {
      for (const target of transition.target ?? [])
        global.push({ from: "*", to: target.key, events: [eventLabel(eventType)] });
    }
  }
  return { states, edges: [...edges.values()], global };
}

/** "xstate.done.actor.sendCode" reads as "sendCode done", matching the timeline's "sendCode: sent". */
function eventLabel(eventType: string): string {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor) return `${actor[2]} ${actor[1]}`;
  return eventType === "TICK" ? "idle timeout" : eventType;
}

export const STATE_NAMES: readonly string[] = machineGraph().states.map((state) => state.name);
