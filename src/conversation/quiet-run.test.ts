import { describe, expect, it } from "vitest";
import {
  createActor,
  type EventObject,
  emit,
  fromPromise,
  type InspectionEvent,
  type StateValue,
  setup,
  waitFor,
} from "xstate";
import { createSignupMachine, type SignupEmitted, stateName } from "../../machines/signup.js";
import {
  type CheckCodeResult,
  DEFAULT_LIMITS,
  type SendCodeResult,
  type SendEmailCodeResult,
  type SignupEvent,
} from "../../machines/types.js";
import { ObservedMachine } from "./observed-machine.js";
import { QuietRunner } from "./quiet-run.js";

const PHONE = "+14155550100";

function setUp(emailVerification = false) {
  const calls: string[] = [];
  const machine = createSignupMachine({ limits: DEFAULT_LIMITS, signupWord: "SIGNUP", emailVerification }).provide({
    actors: {
      isEmailTaken: fromPromise(async () => {
        calls.push("isEmailTaken");
        return false;
      }),
      sendCode: fromPromise(async (): Promise<SendCodeResult> => {
        calls.push("sendCode");
        return { status: "sent", ticket: "t" };
      }),
      checkCode: fromPromise(async (): Promise<CheckCodeResult> => {
        calls.push("checkCode");
        return { status: "approved" };
      }),
      sendEmailCode: fromPromise(async (): Promise<SendEmailCodeResult> => {
        calls.push("sendEmailCode");
        return { status: "queued", ticket: "e" };
      }),
      checkEmailCode: fromPromise(async (): Promise<CheckCodeResult> => {
        calls.push("checkEmailCode");
        return { status: "approved" };
      }),
    },
  });
  const quiet = new QuietRunner<typeof machine, SignupEmitted>(machine, (snapshot) => snapshot.hasTag("resting"));

  const observed = new ObservedMachine(machine);

  /**
   * A turn on an actor. `inspect`: as the engine ran every turn before, transitions seen through xstate's `inspect`;
   * otherwise as it runs the rest of a turn now, through an ObservedMachine.
   */
  async function onActor(start: object | null, now: number, events: SignupEvent[], inspected = false) {
    const emitted: SignupEmitted[] = [];
    const transitions: string[] = [];
    let last = start === null ? "new" : stateName((start as { value: StateValue }).value);
    const moved = (type: string, value: StateValue) => {
      if (stateName(value) !== last) transitions.push(`${last} -${type}-> ${stateName(value)}`);
      last = stateName(value);
    };
    const inspect = (inspection: InspectionEvent) => {
      if (inspection.type !== "@xstate.snapshot" || inspection.actorRef.sessionId !== inspection.rootId) return;
      moved(inspection.event.type, (inspection.snapshot as { value?: StateValue }).value ?? last);
    };
    const options = { input: { phone: PHONE, now }, ...(start === null ? {} : { snapshot: start as never }) };
    const actor = inspected ? createActor(machine, { ...options, inspect }) : createActor(observed.logic, options);
    if (!inspected) observed.listen(actor, (event, next) => moved(event.type, next.value));
    actor.on("*", (event) => emitted.push(event as SignupEmitted));
    actor.start();
    for (const event of events) actor.send(event);
    await waitFor(actor, (snapshot) => snapshot.hasTag("resting"));
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    return { persisted, emitted, transitions };
  }

  /**
   * The same turn as the engine runs it now: quietly as far as it goes, the rest (from a call on) on an actor.
   * `how`: "rested" (no actor), "handover@N" (an actor from the Nth event on), or "actor" (the quiet runner gave up).
   */
  async function quietly(start: object | null, now: number, events: SignupEvent[]) {
    const before = calls.length;
    const run = quiet.run(start, { phone: PHONE, now }, events);
    expect(calls.length).toBe(before); // nothing runs a call without an actor, even where the runner gives up
    if (!run) return { how: "actor", ...(await onActor(start, now, events)) };
    let last = start === null ? "new" : stateName((start as { value: StateValue }).value);
    const transitions: string[] = [];
    for (const [i, value] of run.values.entries()) {
      const name = stateName(value);
      if (name !== last) transitions.push(`${last} -${events[i]?.type}-> ${name}`);
      last = name;
    }
    if (run.kind === "rested") return { how: "rested", persisted: run.persisted, emitted: run.emitted, transitions };
    const rest = await onActor(run.start, now, events.slice(run.values.length));
    return {
      how: `handover@${run.values.length}`,
      persisted: rest.persisted,
      emitted: [...run.emitted, ...rest.emitted],
      transitions: [...transitions, ...rest.transitions],
    };
  }

  /**
   * A conversation turn by turn, each from the stored (JSON) snapshot the last left: the engine's way now must give
   * exactly what an inspected actor alone gave, calls included. Returns how each turn ran.
   */
  async function converse(turns: { at: number; event: SignupEvent }[]) {
    let stored: object | null = null;
    const how: string[] = [];
    for (const { at, event } of turns) {
      const events: SignupEvent[] = [{ type: "TICK", now: at }, event];
      const before = calls.length;
      const actorRun = await onActor(stored, at, events, true);
      const actorCalls = calls.splice(before);
      const { how: ran, ...quietRun } = await quietly(stored, at, events);
      expect(calls.slice(before)).toEqual(actorCalls);
      expect(quietRun).toEqual(actorRun);
      expect(JSON.stringify(quietRun.persisted)).toBe(JSON.stringify(actorRun.persisted));
      how.push(ran);
      stored = JSON.parse(JSON.stringify(actorRun.persisted));
    }
    return how;
  }

  return { quiet, calls, converse, quietly };
}

const t0 = Date.UTC(2026, 0, 1);
const text = (body: string, now: number) => ({ type: "TEXT" as const, body, now });

describe("the quiet runner", () => {
  it("runs the turns that reach no provider call exactly as an actor does, and hands the others to one", async () => {
    const { converse, calls } = setUp();
    const how = await converse([
      { at: t0, event: text("hello", t0) },
      { at: t0 + 1_000, event: { type: "SIGNUP", now: t0 + 1_000 } },
      { at: t0 + 2_000, event: text("ana at example", t0 + 2_000) },
      { at: t0 + 3_000, event: { type: "RESEND", now: t0 + 3_000 } },
      { at: t0 + 4_000, event: text("ana@gmial.com", t0 + 4_000) },
      { at: t0 + 5_000, event: { type: "CONFIRM", now: t0 + 5_000 } },
      { at: t0 + 6_000, event: text("12", t0 + 6_000) },
      { at: t0 + 7_000, event: { type: "RESEND", now: t0 + 7_000 } },
      { at: t0 + 8_000, event: text("123456", t0 + 8_000) },
      { at: t0 + 9_000, event: text("anything", t0 + 9_000) },
      { at: t0 + 10_000, event: { type: "RESET", now: t0 + 10_000 } },
    ]);
    expect(how).toEqual([
      "rested",
      "rested",
      "rested",
      "rested",
      "rested",
      "handover@1",
      "rested",
      "rested",
      "handover@1",
      "rested",
      "rested",
    ]);
    expect(calls).toEqual(["isEmailTaken", "sendCode", "checkCode"]);
  });

  it("runs the idle timeout, a sign-up begun again and the email step's quiet turns as an actor does", async () => {
    const { converse } = setUp(true);
    const day = DEFAULT_LIMITS.idleTimeoutMs;
    const how = await converse([
      { at: t0, event: { type: "SIGNUP", now: t0 } },
      { at: t0 + day, event: text("ana@example.com", t0 + day) },
      { at: t0 + day + 1, event: { type: "SIGNUP", now: t0 + day + 1 } },
      { at: t0 + day + 2, event: { type: "SIGNUP", now: t0 + day + 2 } },
      { at: t0 + day + 3, event: text("ana@example.com", t0 + day + 3) },
      { at: t0 + day + 4, event: text("123456", t0 + day + 4) },
      { at: t0 + day + 5, event: { type: "CALL", now: t0 + day + 5 } },
      { at: t0 + day + 6, event: text("not a code", t0 + day + 6) },
      { at: t0 + day + 7, event: text("654321", t0 + day + 7) },
    ]);
    expect(how).toEqual([
      "rested",
      "rested", // the idle timeout, then "hello" in new
      "rested",
      "rested",
      "handover@1",
      "handover@1",
      "rested",
      "rested",
      "handover@1",
    ]);
  });

  it("hands a stored snapshot with a call in flight to an actor", async () => {
    const { quiet } = setUp();
    const atSend = { status: "active", value: { signingUp: "sendingCode" }, children: { sendCode: {} }, context: {} };
    expect(quiet.run(atSend, { phone: PHONE, now: t0 }, [{ type: "TICK", now: t0 }])).toBeNull();
  });
});

describe("the quiet runner on another machine", () => {
  it("gives up, having done nothing, where an action would act on the world", () => {
    let shouted = 0;
    const machine = setup({
      types: { events: {} as { type: "GO" } | { type: "STAY" } },
      actions: {
        shout: () => {
          shouted += 1;
        },
      },
    }).createMachine({
      initial: "a",
      states: {
        a: {
          tags: "resting",
          on: { GO: { target: "b", actions: "shout" }, STAY: { actions: emit({ type: "said" }) } },
        },
        b: { tags: "resting" },
      },
    });
    const quiet = new QuietRunner<typeof machine, EventObject>(machine, (snapshot) => snapshot.hasTag("resting"));
    expect(quiet.run(null, undefined, [{ type: "STAY" }])).toMatchObject({
      kind: "rested",
      emitted: [{ type: "said" }],
    });
    expect(quiet.run(null, undefined, [{ type: "STAY" }, { type: "GO" }])).toBeNull();
    expect(shouted).toBe(0);
  });
});
