import { describe, expect, it } from "vitest";
import { getShortestPaths } from "xstate/graph";
import { createSignupMachine } from "../../machines/signup.js";
import { type CheckCodeResult, DEFAULT_LIMITS, type SendCodeResult } from "../../machines/types.js";
import { driveMachine } from "../support/machine-driver.js";

const NOW = Date.UTC(2026, 0, 1);
const machine = createSignupMachine({ limits: DEFAULT_LIMITS, signupWord: "SIGNUP" });
const PERSON_TEXTS = ["hello", "ana@example.com", "123456", "000000"];

type AnyEvent = { type: string; [key: string]: unknown };

/** What can happen in each state: a person's messages when resting, a provider's answers while a call runs. */
function eventsFor(snapshot: { value: unknown }): AnyEvent[] {
  switch (snapshot.value) {
    case "checkingEmail":
      return [false, true].map((taken) => ({ type: "xstate.done.actor.isEmailTaken", output: taken }));
    case "sendingCode":
      return (["sent", "unavailable"] as const).map((status) => ({
        type: "xstate.done.actor.sendCode",
        output: { status, ticket: "t" },
      }));
    case "checkingCode":
      return (["approved", "wrong"] as const).map((status) => ({
        type: "xstate.done.actor.checkCode",
        output: { status },
      }));
    default:
      return [
        { type: "SIGNUP", now: NOW },
        { type: "RESEND", now: NOW },
        ...PERSON_TEXTS.map((body) => ({ type: "TEXT", body, now: NOW })),
      ];
  }
}

const paths = getShortestPaths(machine, {
  input: { phone: "+14155550123", now: NOW },
  events: eventsFor as never,
  serializeState: (snapshot) => {
    const { value, context } = snapshot as unknown as {
      value: string;
      context: { emailAttempts: number; wrongCodes: number; email: string | null };
    };
    return JSON.stringify([value, context.emailAttempts, context.wrongCodes, context.email !== null]);
  },
});

describe("paths generated from the machine (xstate/graph)", () => {
  it("reach every state the machine has", () => {
    const reached = new Set(paths.map((path) => String(path.state.value)));
    expect([...reached].sort()).toEqual(
      ["awaitingCode", "awaitingEmail", "checkingCode", "checkingEmail", "new", "sendingCode", "verified"].sort(),
    );
    expect(paths.length).toBeGreaterThan(20);
  });

  it("replayed on a running actor with real promise actors, end where the model says, and always answer the person", async () => {
    const resting = paths.filter((path) =>
      ["new", "awaitingEmail", "awaitingCode", "verified"].includes(String(path.state.value)),
    );
    for (const path of resting) {
      // The provider answers the path chose, in order, become the scripted answers of the running actor.
      const taken: boolean[] = [];
      const sends: SendCodeResult[] = [];
      const checks: CheckCodeResult[] = [];
      const texts: string[] = [];
      for (const { event } of path.steps) {
        const e = event as AnyEvent;
        if (e.type === "xstate.done.actor.isEmailTaken") taken.push(e.output as boolean);
        else if (e.type === "xstate.done.actor.sendCode") sends.push(e.output as SendCodeResult);
        else if (e.type === "xstate.done.actor.checkCode") checks.push(e.output as CheckCodeResult);
        else if (e.type === "SIGNUP" || e.type === "RESEND") texts.push(e.type);
        else if (e.type === "TEXT") texts.push(String(e.body));
      }
      const m = driveMachine({
        taken: () => taken.shift() ?? false,
        send: () => sends.shift() ?? { status: "unavailable" },
        check: () => checks.shift() ?? { status: "unavailable" },
      });
      for (const body of texts) {
        const replies = await m.text(body);
        const wasRightCode = m.state() === "verified" && replies.length === 0;
        if (!wasRightCode)
          expect(
            replies.length,
            `no reply to "${body}" on path to ${JSON.stringify(path.state.value)}`,
          ).toBeGreaterThan(0);
      }
      expect(m.state()).toBe(String(path.state.value));
      const model = path.state.context as { wrongCodes: number; emailAttempts: number };
      expect(m.context().wrongCodes).toBe(model.wrongCodes);
      expect(m.context().emailAttempts).toBe(model.emailAttempts);
    }
  });
});
