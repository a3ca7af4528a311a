import type { ConversationEngine, InboundSms, TurnOutcome } from "../conversation/engine.js";
import { classify } from "../conversation/keywords.js";
import type { Turn } from "../conversation/ports.js";
import type { Metrics } from "./port.js";

/** Counts each message that reached a turn, by intent and channel, and times every turn, around the engine. */
export function meteredHandle(
  engine: Pick<ConversationEngine, "handle" | "apology">,
  metrics: Metrics,
  signupWords: readonly string[],
): Pick<ConversationEngine, "handle" | "apology"> {
  const handle = async (sms: InboundSms): Promise<TurnOutcome> => {
    const started = performance.now();
    const outcome = await engine.handle(sms);
    metrics.turnCompleted((performance.now() - started) / 1000);
    if (!outcome.duplicate) {
      metrics.inboundMessage(classify(sms.body, sms.optOutType, { signupWords }).intent, sms.channel ?? "sms");
    }
    return outcome;
  };
  return { handle, apology: (phone) => engine.apology(phone) };
}

/** After a turn committed: its transitions, a sign-up started (SIGNUP out of "new"), a verification. */
export function recordTurn(metrics: Metrics, turn: Turn): void {
  for (const t of turn.transitions) {
    if (t.from === t.to) continue;
    metrics.transition(t.from, t.to);
    if (t.from === "new" && t.event === "SIGNUP") metrics.signupStarted();
  }
  if (turn.effects.some((effect) => effect.type === "verified")) metrics.signupVerified();
}
