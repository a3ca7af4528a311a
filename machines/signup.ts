import { and, assign, emit, fromPromise, setup } from "xstate";
import { checkEmail } from "./email.js";
import { messages } from "./messages.js";
import type {
  CheckCodeInput,
  CheckCodeResult,
  EmailLookupInput,
  Limits,
  SendCodeInput,
  SendCodeResult,
  SignupContext,
  SignupEffect,
  SignupEvent,
} from "./types.js";

/**
 * Bump when a change makes old snapshots unfit (a renamed state, a new required context field). Stored with each
 * snapshot; a conversation saved under another version starts over instead of being restored into a wrong shape.
 */
export const SIGNUP_MACHINE_VERSION = 1;

/** States a person can be waiting in between two messages. The others last only while a provider call runs. */
export const RESTING_STATES = ["new", "awaitingEmail", "awaitingCode", "verified"] as const;
export type RestingState = (typeof RESTING_STATES)[number];

export interface SignupMachineOptions {
  limits: Limits;
  /** The word shown to people as the way to begin (the first of SIGNUP_KEYWORDS). */
  signupWord: string;
}

export interface SignupInput {
  phone: string;
  now: number;
}

const CODE_SHAPE = /^\d{4,12}$/;
/** People paste codes with spaces or dashes ("123 456"); those are not part of the code. */
export const normalizeCode = (body: string) => body.replace(/[\s-]/g, "");

export function initialContext(phone: string, now: number): SignupContext {
  return {
    phone,
    email: null,
    emailAttempts: 0,
    wrongCodes: 0,
    codeExpiresAt: null,
    lastSentAt: null,
    sendTimes: [],
    sendReason: "start",
    ticket: null,
    providerId: null,
    startedAt: null,
    now,
    lastActivityAt: now,
    verifiedAt: null,
  };
}

export function createSignupMachine({ limits, signupWord }: SignupMachineOptions) {
  const sendsInWindow = (context: SignupContext) =>
    context.sendTimes.filter((time) => context.now - time < limits.sendWindowMs);
  /** When the oldest send leaves the window, and with it the cap: what "try again in N minutes" counts down. */
  const capLiftsInMs = (context: SignupContext) =>
    Math.min(...sendsInWindow(context)) + limits.sendWindowMs - context.now;
  const codeIsLive = (context: SignupContext) =>
    context.codeExpiresAt !== null && context.now < context.codeExpiresAt && context.wrongCodes < limits.maxWrongCodes;
  // Guards run before the transition's actions, so they read the time from the event itself.
  const nowOf = (context: SignupContext, event: SignupEvent) => event.now ?? context.now;

  return setup({
    types: {
      context: {} as SignupContext,
      events: {} as SignupEvent,
      input: {} as SignupInput,
      tags: {} as "resting",
      emitted: {} as SignupEmitted,
    },
    actions: {
      // The machine decides what to say and what must be recorded; the host listens and delivers (actor.on).
      reply: emit((_, params: { text: string }) => ({ type: "reply" as const, text: params.text })),
      effect: emit((_, params: SignupEffect) => ({ type: "effect" as const, effect: params })),
      /** Records the event's time as the latest activity. */
      touch: assign(({ event }) => ({ now: event.now, lastActivityAt: event.now })),
      moveClock: assign({ now: ({ event }) => event.now }),
      /** Every attempt counts against the cap, failed ones too: a failing provider must not be hammered. */
      countSendAttempt: assign(({ context }) => ({
        lastSentAt: context.now,
        sendTimes: [...sendsInWindow(context), context.now],
      })),
      /** Back to the start; the send cap and cooldown belong to the phone and outlive the conversation. */
      startOver: assign(({ context, event }) => ({
        ...initialContext(context.phone, event.now),
        sendTimes: context.sendTimes,
        lastSentAt: context.lastSentAt,
      })),
    },
    actors: {
      isEmailTaken: fromPromise<boolean, EmailLookupInput>(async () => {
        throw new Error("isEmailTaken is provided by the host");
      }),
      sendCode: fromPromise<SendCodeResult, SendCodeInput>(async () => {
        throw new Error("sendCode is provided by the host");
      }),
      checkCode: fromPromise<CheckCodeResult, CheckCodeInput>(async () => {
        throw new Error("checkCode is provided by the host");
      }),
    },
    guards: {
      idleExpired: ({ context, event }) => event.now - context.lastActivityAt >= limits.idleTimeoutMs,
      emailRetriesLeft: ({ context }) => context.emailAttempts + 1 < limits.maxEmailAttempts,
      isValidEmail: ({ event }) => event.type === "TEXT" && checkEmail(event.body).ok,
      codeExpired: ({ context, event }) =>
        context.codeExpiresAt === null || nowOf(context, event) >= context.codeExpiresAt,
      codeExhausted: ({ context }) => context.wrongCodes >= limits.maxWrongCodes,
      inCooldown: ({ context, event }) =>
        context.lastSentAt !== null && nowOf(context, event) - context.lastSentAt < limits.resendCooldownMs,
      sendCapReached: ({ context, event }) =>
        sendsInWindow({ ...context, now: nowOf(context, event) }).length >= limits.maxSendsPerWindow,
      isResend: ({ context }) => context.sendReason === "resend",
    },
  }).createMachine({
    id: "signup",
    context: ({ input }) => initialContext(input.phone, input.now),
    initial: "new",
    on: {
      // An operator's reset; it must not lift the phone's send cap either.
      RESET: { target: ".new", actions: "startOver" },
    },
    states: {
      new: {
        tags: "resting",
        on: {
          TICK: { actions: "moveClock" },
          SIGNUP: {
            target: "awaitingEmail",
            actions: [
              "startOver",
              assign({ startedAt: ({ event }) => event.now, lastActivityAt: ({ event }) => event.now }),
              { type: "reply", params: { text: messages.welcome } },
            ],
          },
          TEXT: { actions: ["touch", { type: "reply", params: { text: messages.howToBegin(signupWord) } }] },
          RESEND: { actions: ["touch", { type: "reply", params: { text: messages.howToBegin(signupWord) } }] },
        },
      },

      awaitingEmail: {
        tags: "resting",
        on: {
          TICK: [
            // A TICK only moves the clock, unless the person has been silent too long: then the sign-up starts over.
            {
              guard: "idleExpired",
              target: "new",
              actions: ["startOver", { type: "reply", params: { text: messages.idleExpired } }],
            },
            { actions: "moveClock" },
          ],
          SIGNUP: {
            actions: ["touch", assign({ emailAttempts: 0 }), { type: "reply", params: { text: messages.welcome } }],
          },
          RESEND: { actions: ["touch", { type: "reply", params: { text: messages.emailNeededFirst } }] },
          TEXT: [
            {
              // Starting over with another email must not become a way around the per-phone send cap.
              guard: and(["isValidEmail", "sendCapReached"]),
              actions: [
                "touch",
                {
                  type: "reply",
                  params: ({ context }) => ({ text: messages.tooManySends(capLiftsInMs(context)) }),
                },
              ],
            },
            {
              guard: "isValidEmail",
              target: "checkingEmail",
              actions: ["touch", assign({ email: ({ event }) => validEmail(event) })],
            },
            {
              guard: "emailRetriesLeft",
              actions: [
                "touch",
                assign({ emailAttempts: ({ context }) => context.emailAttempts + 1 }),
                { type: "reply", params: ({ event }) => ({ text: messages.emailProblem(emailProblem(event)) }) },
              ],
            },
            {
              target: "new",
              actions: [
                "touch",
                assign({ emailAttempts: 0, email: null, startedAt: null }),
                { type: "reply", params: { text: messages.emailRetriesExhausted(signupWord) } },
              ],
            },
          ],
        },
      },

      checkingEmail: {
        invoke: {
          id: "isEmailTaken",
          src: "isEmailTaken",
          input: ({ context }) => ({ phone: context.phone, email: context.email ?? "" }),
          onDone: [
            {
              guard: ({ event }) => event.output,
              target: "awaitingEmail",
              actions: [assign({ email: null }), { type: "reply", params: { text: messages.emailTaken } }],
            },
            { target: "sendingCode", actions: assign({ sendReason: "start" }) },
          ],
          onError: {
            target: "awaitingEmail",
            actions: [assign({ email: null }), { type: "reply", params: { text: messages.lookupFailed } }],
          },
        },
      },

      sendingCode: {
        invoke: {
          id: "sendCode",
          src: "sendCode",
          input: ({ context }) => ({
            phone: context.phone,
            email: context.email ?? "",
            reason: context.sendReason,
            ticket: context.ticket,
            providerId: context.providerId,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.status === "sent",
              target: "awaitingCode",
              actions: [
                assign(({ context, event }) => {
                  const sent = event.output as Extract<SendCodeResult, { status: "sent" }>;
                  return {
                    // A fresh budget of tries only once the last code is spent or gone: RESEND alone never resets it.
                    wrongCodes: codeIsLive(context) ? context.wrongCodes : 0,
                    ticket: sent.ticket ?? null,
                    providerId: sent.providerId ?? context.providerId,
                    codeExpiresAt: context.now + limits.codeTtlMs,
                    lastSentAt: context.now,
                    sendTimes: [...sendsInWindow(context), context.now],
                  };
                }),
                {
                  type: "effect",
                  params: ({ context }) => ({
                    type: "userRegistered",
                    phone: context.phone,
                    email: context.email ?? "",
                    providerId: context.providerId,
                  }),
                },
                {
                  type: "reply",
                  params: ({ context }) => ({
                    text: context.sendReason === "resend" ? messages.codeResent : messages.codeSent,
                  }),
                },
              ],
            },
            {
              guard: "isResend",
              target: "awaitingCode",
              actions: [
                "countSendAttempt",
                { type: "reply", params: ({ event }) => ({ text: sendFailure(event.output, "resend") }) },
              ],
            },
            {
              target: "awaitingEmail",
              actions: [
                "countSendAttempt",
                assign({ email: null }),
                { type: "reply", params: ({ event }) => ({ text: sendFailure(event.output, "start") }) },
              ],
            },
          ],
          onError: [
            {
              guard: "isResend",
              target: "awaitingCode",
              actions: ["countSendAttempt", { type: "reply", params: { text: messages.sendFailedRetryResend } }],
            },
            {
              target: "awaitingEmail",
              actions: [
                "countSendAttempt",
                assign({ email: null }),
                { type: "reply", params: { text: messages.sendFailedRetryEmail } },
              ],
            },
          ],
        },
      },

      awaitingCode: {
        tags: "resting",
        on: {
          TICK: [
            // A TICK only moves the clock, unless the person has been silent too long: then the sign-up starts over.
            {
              guard: "idleExpired",
              target: "new",
              actions: ["startOver", { type: "reply", params: { text: messages.idleExpired } }],
            },
            { actions: "moveClock" },
          ],
          SIGNUP: {
            target: "awaitingEmail",
            actions: [
              "touch",
              assign({ email: null, emailAttempts: 0 }),
              { type: "reply", params: { text: messages.welcome } },
            ],
          },
          RESEND: [
            {
              guard: "inCooldown",
              actions: [
                "touch",
                {
                  type: "reply",
                  params: ({ context }) => ({
                    text: messages.resendTooSoon(limits.resendCooldownMs - (context.now - (context.lastSentAt ?? 0))),
                  }),
                },
              ],
            },
            {
              guard: "sendCapReached",
              actions: [
                "touch",
                { type: "reply", params: ({ context }) => ({ text: messages.tooManySends(capLiftsInMs(context)) }) },
              ],
            },
            { target: "sendingCode", actions: ["touch", assign({ sendReason: "resend" })] },
          ],
          TEXT: [
            {
              guard: ({ event }) => !isCodeShaped(event),
              actions: ["touch", { type: "reply", params: { text: messages.notACode } }],
            },
            {
              guard: "codeExhausted",
              actions: ["touch", { type: "reply", params: { text: messages.tooManyWrongCodes } }],
            },
            { guard: "codeExpired", actions: ["touch", { type: "reply", params: { text: messages.codeExpired } }] },
            { target: "checkingCode", actions: "touch" },
          ],
        },
      },

      checkingCode: {
        invoke: {
          id: "checkCode",
          src: "checkCode",
          input: ({ context, event }) => ({
            phone: context.phone,
            email: context.email ?? "",
            code: event.type === "TEXT" ? normalizeCode(event.body) : "",
            ticket: context.ticket,
            providerId: context.providerId,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.status === "approved",
              target: "verified",
              actions: [
                assign({ verifiedAt: ({ context }) => context.now, ticket: null, codeExpiresAt: null }),
                {
                  type: "effect",
                  params: ({ context }) => ({
                    type: "verified",
                    phone: context.phone,
                    email: context.email ?? "",
                    at: context.now,
                  }),
                },
              ],
            },
            {
              guard: ({ event }) => event.output.status === "wrong",
              target: "awaitingCode",
              actions: [
                assign({ wrongCodes: ({ context }) => context.wrongCodes + 1 }),
                {
                  type: "reply",
                  params: ({ context }) => ({
                    text:
                      context.wrongCodes >= limits.maxWrongCodes
                        ? messages.tooManyWrongCodes
                        : messages.wrongCode(limits.maxWrongCodes - context.wrongCodes),
                  }),
                },
              ],
            },
            {
              guard: ({ event }) => event.output.status === "expired",
              target: "awaitingCode",
              actions: [assign({ codeExpiresAt: null }), { type: "reply", params: { text: messages.codeExpired } }],
            },
            {
              guard: ({ event }) => event.output.status === "too_many_attempts",
              target: "awaitingCode",
              actions: [
                assign({ wrongCodes: limits.maxWrongCodes }),
                { type: "reply", params: { text: messages.tooManyWrongCodes } },
              ],
            },
            { target: "awaitingCode", actions: { type: "reply", params: { text: messages.checkFailed } } },
          ],
          onError: { target: "awaitingCode", actions: { type: "reply", params: { text: messages.checkFailed } } },
        },
      },

      verified: {
        tags: "resting",
        on: {
          TICK: { actions: "moveClock" },
          SIGNUP: {
            actions: [
              "touch",
              { type: "reply", params: ({ context }) => ({ text: messages.alreadyVerified(context.email ?? "") }) },
            ],
          },
          RESEND: {
            actions: [
              "touch",
              { type: "reply", params: ({ context }) => ({ text: messages.alreadyVerified(context.email ?? "") }) },
            ],
          },
          TEXT: {
            actions: [
              "touch",
              { type: "reply", params: ({ context }) => ({ text: messages.alreadyVerified(context.email ?? "") }) },
            ],
          },
        },
      },
    },
  });
}

function validEmail(event: SignupEvent): string | null {
  if (event.type !== "TEXT") return null;
  const result = checkEmail(event.body);
  return result.ok ? result.email : null;
}

function emailProblem(event: SignupEvent): string {
  if (event.type !== "TEXT") return "";
  const result = checkEmail(event.body);
  return result.ok ? "" : result.problem;
}

function isCodeShaped(event: SignupEvent): boolean {
  return event.type === "TEXT" && CODE_SHAPE.test(normalizeCode(event.body));
}

function sendFailure(result: SendCodeResult, reason: "start" | "resend"): string {
  switch (result.status) {
    case "rate_limited":
      return messages.providerRateLimited(result.retryAfterMs);
    case "undeliverable":
      return messages.cannotSendHere;
    case "blocked":
      return messages.blockedForNow;
    default:
      return reason === "resend" ? messages.sendFailedRetryResend : messages.sendFailedRetryEmail;
  }
}

export type SignupEmitted = { type: "reply"; text: string } | { type: "effect"; effect: SignupEffect };

export type SignupMachine = ReturnType<typeof createSignupMachine>;
