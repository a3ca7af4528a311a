import { describe, expect, it } from "vitest";
import type { StateValue } from "xstate";
import { getShortestPaths } from "xstate/graph";
import { driveMachine } from "../test/support/machine-driver.js";
import { createSignupMachine, isRestingState, RESTING_VALUES, stateName } from "./signup.js";
import { type CheckCodeResult, DEFAULT_LIMITS, type SendCodeResult, type SendEmailCodeResult } from "./types.js";

const NOW = Date.UTC(2026, 0, 1);
const PERSON_TEXTS = ["hello", "ana@example.com", "123456", "000000"];

type AnyEvent = { type: string; [key: string]: unknown };

/** What can happen in each state: a person's messages when resting, a provider's answers while a call runs. */
function eventsFor(snapshot: { value: StateValue }): AnyEvent[] {
  switch (stateName(snapshot.value)) {
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
    case "sendingEmailCode":
      return [
        ...(["queued", "notice"] as const).map((status) => ({
          type: "xstate.done.actor.sendEmailCode",
          output: { status, ticket: "e" },
        })),
        { type: "xstate.error.actor.sendEmailCode", error: new Error("down") },
      ];
    case "checkingEmailCode":
      return (["approved", "wrong"] as const).map((status) => ({
        type: "xstate.done.actor.checkEmailCode",
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

const ALL_STATES = ["awaitingCode", "awaitingEmail", "checkingCode", "checkingEmail", "new", "sendingCode", "verified"];
const EMAIL_STEP_STATES = [
  ...ALL_STATES.filter((state) => state !== "checkingEmail"),
  "awaitingEmailCode",
  "checkingEmailCode",
  "sendingEmailCode",
];

for (const emailVerification of [false, true]) {
  const machine = createSignupMachine({ limits: DEFAULT_LIMITS, signupWord: "SIGNUP", emailVerification });
  const paths = getShortestPaths(machine, {
    input: { phone: "+14155550123", now: NOW },
    events: eventsFor as never,
    serializeState: (snapshot) => {
      const { value, context } = snapshot as unknown as {
        value: StateValue;
        context: { emailAttempts: number; wrongCodes: number; emailWrongCodes: number; email: string | null };
      };
      return JSON.stringify([
        stateName(value),
        context.emailAttempts,
        context.wrongCodes,
        context.emailWrongCodes,
        context.email !== null,
      ]);
    },
  });

  describe(`paths generated from the machine (xstate/graph), EMAIL_VERIFICATION=${emailVerification ? "code" : "off"}`, () => {
    it("reach every state the machine has", () => {
      const reached = new Set(paths.map((path) => stateName(path.state.value)));
      expect([...reached].sort()).toEqual((emailVerification ? EMAIL_STEP_STATES : ALL_STATES).sort());
      expect(paths.length).toBeGreaterThan(20);
      // restore.ts checks stored snapshots against RESTING_VALUES: it must say where the machine really rests.
      for (const path of restingPaths) {
        const where = stateName(path.state.value);
        if (isRestingState(where)) expect(path.state.value).toEqual(RESTING_VALUES[where]);
      }
    });

    it("replayed on a running actor with real promise actors, end where the model says, and always answer the person", async () => {
      for (const path of restingPaths) {
        const m = await replay(path);
        expect(m.state()).toBe(stateName(path.state.value));
        const model = path.state.context as { wrongCodes: number; emailAttempts: number; emailWrongCodes: number };
        expect(m.context().wrongCodes).toBe(model.wrongCodes);
        expect(m.context().emailWrongCodes).toBe(model.emailWrongCodes);
        expect(m.context().emailAttempts).toBe(model.emailAttempts);
      }
    });

    it("from every resting state reached, the hierarchy's shared moves hold: idle timeout, RESET, verified's one answer", async () => {
      for (const path of restingPaths) {
        const where = stateName(path.state.value);
        const idle = await replay(path);
        idle.advance(DEFAULT_LIMITS.idleTimeoutMs);
        const signingUp = where === "awaitingEmail" || where === "awaitingCode" || where === "awaitingEmailCode";
        // The sign-up in progress (and only it) expires; "new" and "verified" just move the clock.
        expect(await idle.tick()).toEqual(
          signingUp ? ["Your sign-up expired after a long pause, so we started over."] : [],
        );
        expect(idle.state()).toBe(signingUp ? "new" : where);

        const reset = await replay(path);
        const sendTimes = reset.context().sendTimes;
        reset.actor.send({ type: "RESET", now: reset.now });
        expect(reset.state()).toBe("new");
        expect(reset.context().sendTimes).toEqual(sendTimes);

        if (where === "verified") {
          for (const body of ["SIGNUP", "RESEND", "hello"]) {
            expect(await idle.text(body)).toEqual(["You're already verified as ana@example.com."]);
          }
        }
      }
    });
  });

  const restingPaths = paths.filter((path) => isRestingState(stateName(path.state.value)));

  /** Runs a path on a real actor: the provider answers the path chose, in order, become its scripted answers. */
  async function replay(path: (typeof paths)[number]) {
    const taken: boolean[] = [];
    const sends: SendCodeResult[] = [];
    const checks: CheckCodeResult[] = [];
    const emailSends: (SendEmailCodeResult | "error")[] = [];
    const emailChecks: CheckCodeResult[] = [];
    const texts: string[] = [];
    for (const { event } of path.steps) {
      const e = event as AnyEvent;
      if (e.type === "xstate.done.actor.isEmailTaken") taken.push(e.output as boolean);
      else if (e.type === "xstate.done.actor.sendCode") sends.push(e.output as SendCodeResult);
      else if (e.type === "xstate.done.actor.checkCode") checks.push(e.output as CheckCodeResult);
      else if (e.type === "xstate.done.actor.sendEmailCode") emailSends.push(e.output as SendEmailCodeResult);
      else if (e.type === "xstate.error.actor.sendEmailCode") emailSends.push("error");
      else if (e.type === "xstate.done.actor.checkEmailCode") emailChecks.push(e.output as CheckCodeResult);
      else if (e.type === "SIGNUP" || e.type === "RESEND") texts.push(e.type);
      else if (e.type === "TEXT") texts.push(String(e.body));
    }
    const m = driveMachine({
      taken: () => taken.shift() ?? false,
      send: () => sends.shift() ?? { status: "unavailable" },
      check: () => checks.shift() ?? { status: "unavailable" },
      emailVerification,
      sendEmail: async () => {
        const next = emailSends.shift() ?? "error";
        if (next === "error") throw new Error("down");
        return next;
      },
      checkEmail: () => emailChecks.shift() ?? { status: "unavailable" },
    });
    for (const body of texts) {
      const replies = await m.text(body);
      const wasRightCode = m.state() === "verified" && replies.length === 0;
      if (!wasRightCode) {
        expect(replies.length, `no reply to "${body}" on path to ${JSON.stringify(path.state.value)}`).toBeGreaterThan(
          0,
        );
      }
    }
    return m;
  }
}
