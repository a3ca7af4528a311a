// How operators read the machine's events, in the timeline and on the diagram alike.

/** xstate names a provider call's answer "xstate.done.actor.sendCode" (or ".error."): which call, and how it ended. */
export function actorOutcome(eventType: string): { actor: string; outcome: "done" | "error" } | null {
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  return match ? { actor: match[2] ?? "", outcome: match[1] === "error" ? "error" : "done" } : null;
}

/** A person's or operator's event by name; the engine's TICK only ever moves anything as the idle timeout. */
export function plainEventName(eventType: string): string {
  return eventType === "TICK" ? "idle timeout" : eventType;
}
