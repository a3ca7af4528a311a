import { createActor, fromPromise, waitFor } from "xstate";
import { createSignupMachine, stateName } from "../../machines/signup.js";
import {
  type CheckCodeResult,
  DEFAULT_LIMITS,
  type Limits,
  type SendCodeResult,
  type SendEmailCodeResult,
  type SignupEffect,
} from "../../machines/types.js";
import { MessageRenderer } from "../../src/i18n/catalog.js";

export const PHONE = "+14155550123";

export interface DriverOptions {
  limits?: Partial<Limits>;
  /** Emails of verified accounts, or a script of answers to "is this email taken?". */
  taken?: string[] | (() => boolean);
  send?: () => SendCodeResult;
  check?: (code: string) => CheckCodeResult;
  /** EMAIL_VERIFICATION=code, with scripted answers for the email step (by default: queued, "654321" is right). */
  emailVerification?: boolean;
  sendEmail?: (email: string) => SendEmailCodeResult | Promise<SendEmailCodeResult>;
  checkEmail?: (code: string) => CheckCodeResult;
}

/** The machine alone, with scripted provider answers and a clock the test moves. */
export function driveMachine(options: DriverOptions = {}) {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const sends: { reason: string }[] = [];
  const checks: string[] = [];
  const emailSends: { email: string; reason: string }[] = [];
  const emailChecks: string[] = [];
  const machine = createSignupMachine({
    limits,
    signupWord: "SIGNUP",
    emailVerification: options.emailVerification ?? false,
  }).provide({
    actors: {
      isEmailTaken: fromPromise(async ({ input }) =>
        typeof options.taken === "function" ? options.taken() : (options.taken ?? []).includes(input.email),
      ),
      sendCode: fromPromise(async ({ input }) => {
        sends.push({ reason: input.reason });
        return options.send?.() ?? { status: "sent", ticket: `t${sends.length}` };
      }),
      checkCode: fromPromise(async ({ input }) => {
        checks.push(input.code);
        return options.check?.(input.code) ?? (input.code === "123456" ? { status: "approved" } : { status: "wrong" });
      }),
      sendEmailCode: fromPromise(async ({ input }) => {
        emailSends.push({ email: input.email, reason: input.reason });
        return (await options.sendEmail?.(input.email)) ?? { status: "queued", ticket: `e${emailSends.length}` };
      }),
      checkEmailCode: fromPromise(async ({ input }) => {
        emailChecks.push(input.code);
        return (
          options.checkEmail?.(input.code) ?? (input.code === "654321" ? { status: "approved" } : { status: "wrong" })
        );
      }),
    },
  });
  let now = Date.UTC(2026, 0, 1);
  const actor = createActor(machine, { input: { phone: PHONE, now } });
  const replies: string[] = [];
  const effects: SignupEffect[] = [];
  const renderer = new MessageRenderer();
  actor.on("reply", (e) => replies.push(renderer.render(e.message, "en")));
  actor.on("effect", (e) => effects.push(e.effect));
  actor.start();

  /** Sends one message as the engine does (a TICK, then the event) and returns what the bot replied. */
  async function text(body: string): Promise<string[]> {
    const start = replies.length;
    const word = body.trim().toUpperCase();
    actor.send({ type: "TICK", now });
    if (word === "SIGNUP") actor.send({ type: "SIGNUP", now });
    else if (word === "RESEND") actor.send({ type: "RESEND", now });
    else if (word === "CALL") actor.send({ type: "CALL", now });
    else if (word === "YES") actor.send({ type: "CONFIRM", now });
    else actor.send({ type: "TEXT", body, now });
    await waitFor(actor, (s) => s.hasTag("resting"));
    return replies.slice(start);
  }

  /** A TICK alone, as the engine sends before each message: deadlines are checked against the clock. */
  async function tick(): Promise<string[]> {
    const start = replies.length;
    actor.send({ type: "TICK", now });
    await waitFor(actor, (s) => s.hasTag("resting"));
    return replies.slice(start);
  }

  return {
    actor,
    tick,
    limits,
    sends,
    checks,
    emailSends,
    emailChecks,
    effects,
    text,
    advance: (ms: number) => {
      now += ms;
    },
    get now() {
      return now;
    },
    state: () => stateName(actor.getSnapshot().value),
    context: () => actor.getSnapshot().context,
  };
}
