import { and, assign, emit, fromPromise, not, type StateValue, setup } from "xstate";
import { checkEmail } from "./email.js";
import { EMAIL_EXAMPLE, type MessageRef, msg } from "./message-keys.js";
import type {
  CheckCodeInput,
  CheckCodeResult,
  CheckEmailCodeInput,
  EmailLookupInput,
  Limits,
  SendCodeInput,
  SendCodeResult,
  SendEmailCodeInput,
  SendEmailCodeResult,
  SignupContext,
  SignupEffect,
  SignupEvent,
} from "./types.js";

/**
 * Bump when a change makes old snapshots unfit (a renamed state, a new required context field). Stored with each
 * snapshot; a conversation saved under another version is migrated where restore.ts knows how, else starts over.
 * Version 2 nested the sign-up in progress under `signingUp`; version 3 added the email step (its context fields
 * default to empty, so a version 2 snapshot restores as it was).
 */
export const SIGNUP_MACHINE_VERSION = 3;

/** States a person can be waiting in between two messages. The others last only while a provider call runs. */
export const RESTING_STATES = ["new", "awaitingEmail", "awaitingCode", "awaitingEmailCode", "verified"] as const;
export type RestingState = (typeof RESTING_STATES)[number];
/** Every state a conversation passes through, by its leaf name (the machine-graph test checks the list). */
export type StateName =
  | RestingState
  | "checkingEmail"
  | "sendingCode"
  | "checkingCode"
  | "sendingEmailCode"
  | "checkingEmailCode";

/** Where each resting state sits in the hierarchy: the snapshot's value for it (a unit test checks the machine). */
export const RESTING_VALUES: Record<RestingState, StateValue> = {
  new: "new",
  awaitingEmail: { signingUp: "awaitingEmail" },
  awaitingCode: { signingUp: "awaitingCode" },
  awaitingEmailCode: { signingUp: "awaitingEmailCode" },
  verified: "verified",
};

/**
 * The innermost state of a snapshot's value ({ signingUp: "awaitingCode" } is "awaitingCode"): state names are
 * unique in the machine, so the leaf alone names where a conversation is, in the store and for operators.
 */
export function stateName(value: StateValue): StateName {
  if (typeof value === "string") return value as StateName;
  const [parent, child] = Object.entries(value)[0] ?? ["", undefined];
  return child === undefined ? (parent as StateName) : stateName(child);
}

export function isRestingState(name: string): name is RestingState {
  return (RESTING_STATES as readonly string[]).includes(name);
}

/** The resting state a settled snapshot is in (the "resting" tag says it is one); throws if it is not. */
export function restingStateOf(value: StateValue): RestingState {
  const name = stateName(value);
  if (!isRestingState(name)) throw new Error(`${name} is not a resting state`);
  return name;
}

export interface SignupMachineOptions {
  limits: Limits;
  /** The word shown to people as the way to begin (the first of SIGNUP_KEYWORDS). */
  signupWord: string;
  /** EMAIL_VERIFICATION=code: after the phone's code, a code emailed to the address proves it too. */
  emailVerification?: boolean;
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
    suggestedEmail: null,
    ticket: null,
    providerId: null,
    startedAt: null,
    now,
    lastActivityAt: now,
    verifiedAt: null,
    phoneVerifiedAt: null,
    emailTicket: null,
    emailCodeExpiresAt: null,
    emailWrongCodes: 0,
    emailSendReason: "start",
    emailVerifiedAt: null,
  };
}

type ProviderStatus = SendCodeResult["status"] | CheckCodeResult["status"] | SendEmailCodeResult["status"];

/** What an invoked provider call answered; named guards and actions see the machine's events, not done events. */
const outputOf = <T>(event: unknown) => (event as { output?: T }).output;

/** The parts of a transition the table below is written in. */
const reply = (message: MessageRef) => ({ type: "reply", params: { message } }) as const;
const providerSaid = (status: ProviderStatus) => ({ type: "providerSaid", params: { status } }) as const;
const replyFrom = (message: (context: SignupContext) => MessageRef) =>
  ({ type: "reply", params: ({ context }: { context: SignupContext }) => ({ message: message(context) }) }) as const;
const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createSignupMachine({ limits, signupWord, emailVerification = false }: SignupMachineOptions) {
  const sendsInWindow = (context: SignupContext) =>
    context.sendTimes.filter((time) => context.now - time < limits.sendWindowMs);
  /** When the oldest send leaves the window, and with it the cap: what "try again in N minutes" counts down. */
  const capLiftsInMs = (context: SignupContext) =>
    Math.min(...sendsInWindow(context)) + limits.sendWindowMs - context.now;
  const codeIsLive = (context: SignupContext) =>
    context.codeExpiresAt !== null && context.now < context.codeExpiresAt && context.wrongCodes < limits.maxWrongCodes;
  // Guards run before the transition's actions, so they read the time from the event itself.
  const nowOf = (context: SignupContext, event: SignupEvent) => event.now ?? context.now;

  const emailCodeIsLive = (context: SignupContext) =>
    context.emailCodeExpiresAt !== null &&
    context.now < context.emailCodeExpiresAt &&
    context.emailWrongCodes < limits.maxWrongCodes;
  const toEmail = (key: "promptEmailCode" | "notAnEmailCode" | "codeEmailed" | "codeEmailedAgain") =>
    replyFrom((context) => msg(key, { email: context.email ?? "" }));
  const cooldownLeft = replyFrom((context) =>
    msg("resendTooSoon", { seconds: seconds(limits.resendCooldownMs - (context.now - (context.lastSentAt ?? 0))) }),
  );

  const alreadyVerified = replyFrom((context) => msg("alreadyVerified", { email: context.email ?? "" }));
  const tooManySends = replyFrom((context) => msg("tooManySends", { minutes: minutes(capLiftsInMs(context)) }));
  const howToBegin = reply(msg("howToBegin", { signupWord }));
  const welcome = reply(msg("welcome"));
  const emailNeededFirst = reply(msg("emailNeededFirst", { example: EMAIL_EXAMPLE }));
  /** RESEND or CALL while a code is awaited: within the cooldown and the cap, a new send. */
  const anotherSend = (reason: "resend" | "call") => [
    { guard: "inCooldown" as const, actions: ["touch" as const, cooldownLeft] },
    { guard: "sendCapReached" as const, actions: ["touch" as const, tooManySends] },
    { target: "sendingCode", actions: ["touch" as const, { type: "chooseSend" as const, params: { reason } }] },
  ];
  /**
   * A valid email in awaitingEmail: with the email step on, no lookup (the reply must not tell whether the address
   * has an account), straight to the phone's code; otherwise the lookup first.
   */
  const emailTaken = (take: "takeEmail" | "takeSuggestion") =>
    emailVerification
      ? { target: "sendingCode" as const, actions: ["touch" as const, take, "firstSend" as const] }
      : { target: "checkingEmail" as const, actions: ["touch" as const, take] };
  /** A code's own parts of the machine: where it is awaited, its wrong tries, and how it is spent. */
  const phoneCode = {
    awaiting: "awaitingCode",
    wrongCodes: (context: SignupContext) => context.wrongCodes,
    countWrong: "countWrongCode",
    expire: "expireCode",
    exhaust: "exhaustCode",
  } as const;
  const emailCode = {
    awaiting: "awaitingEmailCode",
    wrongCodes: (context: SignupContext) => context.emailWrongCodes,
    countWrong: "countWrongEmailCode",
    expire: "expireEmailCode",
    exhaust: "exhaustEmailCode",
  } as const;
  /** A check's answers other than "approved": the same words for a phone's code and an email's. */
  const notApproved = (code: typeof phoneCode | typeof emailCode) => [
    {
      guard: providerSaid("wrong"),
      target: code.awaiting,
      actions: [
        code.countWrong,
        replyFrom((context) =>
          code.wrongCodes(context) >= limits.maxWrongCodes
            ? msg("tooManyWrongCodes")
            : msg("wrongCode", { triesLeft: limits.maxWrongCodes - code.wrongCodes(context) }),
        ),
      ],
    },
    { guard: providerSaid("expired"), target: code.awaiting, actions: [code.expire, reply(msg("codeExpired"))] },
    {
      guard: providerSaid("too_many_attempts"),
      target: code.awaiting,
      actions: [code.exhaust, reply(msg("tooManyWrongCodes"))],
    },
    { target: code.awaiting, actions: reply(msg("checkFailed")) },
  ];
  /** What a bad email gets: the problem, and on the last try, that it is the last. */
  const emailProblem = (context: SignupContext, event: SignupEvent): MessageRef => {
    const check = event.type === "TEXT" ? checkEmail(event.body) : null;
    const problem = check && !check.ok ? check.problem : msg("emailEmpty");
    const last = context.emailAttempts + 1 >= limits.maxEmailAttempts - 1;
    return msg(last ? "emailProblemLastTry" : "emailProblem", { problem, example: EMAIL_EXAMPLE });
  };

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
      reply: emit((_, params: { message: MessageRef }) => ({ type: "reply" as const, message: params.message })),
      /** Records the event's time as the latest activity. */
      touch: assign(({ event }) => ({ now: event.now, lastActivityAt: event.now })),
      moveClock: assign({ now: ({ event }) => event.now }),
      /** Back to the start; the send cap and cooldown belong to the phone and outlive the conversation. */
      startOver: assign(({ context, event }) => ({
        ...initialContext(context.phone, event.now),
        sendTimes: context.sendTimes,
        lastSentAt: context.lastSentAt,
      })),
      beginSignup: assign(({ event }) => ({ startedAt: event.now, lastActivityAt: event.now })),
      askEmailAgain: assign({ email: null, emailAttempts: 0, suggestedEmail: null }),
      chooseSend: assign((_, params: { reason: "resend" | "call" }) => ({ sendReason: params.reason })),
      firstSend: assign({ sendReason: "start" }),
      takeEmail: assign({ email: ({ event }) => validEmail(event), suggestedEmail: null }),
      /** "Did you mean ana@gmail.com?": kept until YES takes it or another email replaces it. */
      suggestEmail: assign({ suggestedEmail: ({ event }) => suggestionFor(event) }),
      takeSuggestion: assign(({ context }) => ({ email: context.suggestedEmail, suggestedEmail: null })),
      countBadEmail: assign({ emailAttempts: ({ context }) => context.emailAttempts + 1 }),
      forgetEmail: assign({ email: null }),
      giveUpOnEmail: assign({ emailAttempts: 0, email: null, startedAt: null }),
      /** Every attempt counts against the cap, failed ones too: a failing provider must not be hammered. */
      countSendAttempt: assign(({ context }) => ({
        lastSentAt: context.now,
        sendTimes: [...sendsInWindow(context), context.now],
      })),
      recordCodeSent: assign(({ context, event }) => {
        const sent = outputOf<Extract<SendCodeResult, { status: "sent" }>>(event);
        return {
          // A fresh budget of tries only once the last code is spent or gone: RESEND alone never resets it.
          wrongCodes: codeIsLive(context) ? context.wrongCodes : 0,
          ticket: sent?.ticket ?? null,
          providerId: sent?.providerId ?? context.providerId,
          codeExpiresAt: context.now + limits.codeTtlMs,
          lastSentAt: context.now,
          sendTimes: [...sendsInWindow(context), context.now],
        };
      }),
      registerUser: emit(({ context }) => ({
        type: "effect" as const,
        effect: {
          type: "userRegistered",
          phone: context.phone,
          email: context.email ?? "",
          providerId: context.providerId,
        },
      })),
      countWrongCode: assign({ wrongCodes: ({ context }) => context.wrongCodes + 1 }),
      expireCode: assign({ codeExpiresAt: null }),
      exhaustCode: assign({ wrongCodes: limits.maxWrongCodes }),
      recordVerified: assign(({ context }) => ({
        verifiedAt: context.now,
        phoneVerifiedAt: context.phoneVerifiedAt ?? context.now,
        ticket: null,
        codeExpiresAt: null,
        emailTicket: null,
        emailCodeExpiresAt: null,
      })),
      announceVerified: emit(({ context }) => ({
        type: "effect" as const,
        effect: {
          type: "verified",
          phone: context.phone,
          email: context.email ?? "",
          at: context.now,
          emailVerified: context.emailVerifiedAt !== null,
        },
      })),
      /** The phone is proven; the email step begins with a fresh code for the address. */
      recordPhoneVerified: assign(({ context }) => ({
        phoneVerifiedAt: context.now,
        ticket: null,
        codeExpiresAt: null,
        emailSendReason: "start" as const,
        emailTicket: null,
        emailCodeExpiresAt: null,
        emailWrongCodes: 0,
      })),
      recordEmailVerified: assign({ emailVerifiedAt: ({ context }) => context.now }),
      /** Another address while the email code is awaited: the step starts over for it, the old code is void. */
      takeNewEmail: assign(({ event }) => ({
        email: validEmail(event),
        emailSendReason: "start" as const,
        emailTicket: null,
        emailCodeExpiresAt: null,
        emailWrongCodes: 0,
      })),
      chooseEmailResend: assign({ emailSendReason: "resend" as const }),
      recordEmailCodeSent: assign(({ context, event }) => ({
        // As with SMS codes, RESEND alone never refills the tries: only a code spent or gone does.
        emailWrongCodes: emailCodeIsLive(context) ? context.emailWrongCodes : 0,
        emailTicket: outputOf<SendEmailCodeResult>(event)?.ticket ?? null,
        emailCodeExpiresAt: context.now + limits.codeTtlMs,
        lastSentAt: context.now,
        sendTimes: [...sendsInWindow(context), context.now],
      })),
      countWrongEmailCode: assign({ emailWrongCodes: ({ context }) => context.emailWrongCodes + 1 }),
      expireEmailCode: assign({ emailCodeExpiresAt: null }),
      exhaustEmailCode: assign({ emailWrongCodes: limits.maxWrongCodes }),
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
      sendEmailCode: fromPromise<SendEmailCodeResult, SendEmailCodeInput>(async () => {
        throw new Error("sendEmailCode is provided by the host");
      }),
      checkEmailCode: fromPromise<CheckCodeResult, CheckEmailCodeInput>(async () => {
        throw new Error("checkEmailCode is provided by the host");
      }),
    },
    guards: {
      /** A message the person sent, as opposed to the engine's TICK or an operator's RESET. */
      fromPerson: ({ event }) => event.type !== "TICK" && event.type !== "RESET",
      idleExpired: ({ context, event }) => event.now - context.lastActivityAt >= limits.idleTimeoutMs,
      emailRetriesLeft: ({ context }) => context.emailAttempts + 1 < limits.maxEmailAttempts,
      isValidEmail: ({ event }) => event.type === "TEXT" && checkEmail(event.body).ok,
      /** A likely typo of a common domain, caught before any code is sent; asked about once, then taken as sent. */
      looksMistyped: ({ context, event }) => context.suggestedEmail === null && suggestionFor(event) !== null,
      hasSuggestion: ({ context }) => context.suggestedEmail !== null,
      isCodeShaped: ({ event }) => event.type === "TEXT" && CODE_SHAPE.test(normalizeCode(event.body)),
      codeExpired: ({ context, event }) =>
        context.codeExpiresAt === null || nowOf(context, event) >= context.codeExpiresAt,
      codeExhausted: ({ context }) => context.wrongCodes >= limits.maxWrongCodes,
      inCooldown: ({ context, event }) =>
        context.lastSentAt !== null && nowOf(context, event) - context.lastSentAt < limits.resendCooldownMs,
      sendCapReached: ({ context, event }) =>
        sendsInWindow({ ...context, now: nowOf(context, event) }).length >= limits.maxSendsPerWindow,
      isResend: ({ context }) => context.sendReason !== "start",
      emailTaken: ({ event }) => outputOf<boolean>(event) === true,
      emailStepOn: () => emailVerification,
      emailCodeExhausted: ({ context }) => context.emailWrongCodes >= limits.maxWrongCodes,
      emailCodeExpired: ({ context, event }) =>
        context.emailCodeExpiresAt === null || nowOf(context, event) >= context.emailCodeExpiresAt,
      isEmailResend: ({ context }) => context.emailSendReason === "resend",
      /** A valid address other than the one the code went to. */
      isOtherEmail: ({ context, event }) => {
        const email = validEmail(event);
        return email !== null && email !== context.email;
      },
      providerSaid: ({ event }, params: { status: ProviderStatus }) =>
        outputOf<{ status: ProviderStatus }>(event)?.status === params.status,
    },
  }).createMachine({
    // Read top to bottom, this is the README's conversation table: state, what they text, what we do, where next.
    id: "signup",
    context: ({ input }) => initialContext(input.phone, input.now),
    initial: "new",
    on: {
      // The engine sends a TICK before each message, so deadlines are checked against the message's time.
      TICK: { actions: "moveClock" },
      // An operator's reset; it must not lift the phone's send cap either.
      RESET: { target: ".new", actions: "startOver" },
    },
    states: {
      new: {
        tags: "resting",
        on: {
          SIGNUP: { target: "signingUp", actions: ["startOver", "beginSignup", welcome] },
          "*": { guard: "fromPerson", actions: ["touch", howToBegin] },
        },
      },

      signingUp: {
        initial: "awaitingEmail",
        on: {
          // Silent too long: the sign-up starts over (otherwise the TICK only moves the clock, above).
          TICK: { guard: "idleExpired", target: "new", actions: ["startOver", reply(msg("idleExpired"))] },
          SIGNUP: { target: ".awaitingEmail", actions: ["touch", "askEmailAgain", welcome] },
        },
        states: {
          awaitingEmail: {
            tags: "resting",
            on: {
              RESEND: { actions: ["touch", emailNeededFirst] },
              CALL: { actions: ["touch", emailNeededFirst] },
              CONFIRM: [{ guard: "hasSuggestion", ...emailTaken("takeSuggestion") }, { actions: ["touch", welcome] }],
              TEXT: [
                // Starting over with another email must not become a way around the per-phone send cap.
                { guard: and(["isValidEmail", "sendCapReached"]), actions: ["touch", tooManySends] },
                {
                  guard: and(["isValidEmail", "looksMistyped"]),
                  actions: [
                    "touch",
                    "suggestEmail",
                    replyFrom((context) => msg("emailSuggestion", { suggestion: context.suggestedEmail ?? "" })),
                  ],
                },
                { guard: "isValidEmail", ...emailTaken("takeEmail") },
                {
                  guard: "emailRetriesLeft",
                  actions: [
                    "touch",
                    { type: "reply", params: ({ context, event }) => ({ message: emailProblem(context, event) }) },
                    "countBadEmail",
                  ],
                },
                {
                  target: "#signup.new",
                  actions: ["touch", "giveUpOnEmail", reply(msg("emailRetriesExhausted", { signupWord }))],
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
                { guard: "emailTaken", target: "awaitingEmail", actions: ["forgetEmail", reply(msg("emailTaken"))] },
                { target: "sendingCode", actions: assign({ sendReason: "start" }) },
              ],
              onError: { target: "awaitingEmail", actions: ["forgetEmail", reply(msg("lookupFailed"))] },
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
                  guard: providerSaid("sent"),
                  target: "awaitingCode",
                  actions: [
                    "recordCodeSent",
                    "registerUser",
                    {
                      type: "reply",
                      params: ({ context, event }) => ({ message: codeOnItsWay(context, event.output) }),
                    },
                  ],
                },
                {
                  guard: "isResend",
                  target: "awaitingCode",
                  actions: [
                    "countSendAttempt",
                    { type: "reply", params: ({ event }) => ({ message: sendFailureMessage(event.output, "resend") }) },
                  ],
                },
                {
                  target: "awaitingEmail",
                  actions: [
                    "countSendAttempt",
                    "forgetEmail",
                    { type: "reply", params: ({ event }) => ({ message: sendFailureMessage(event.output, "start") }) },
                  ],
                },
              ],
              onError: [
                {
                  guard: "isResend",
                  target: "awaitingCode",
                  actions: ["countSendAttempt", reply(msg("sendFailedRetryResend"))],
                },
                {
                  target: "awaitingEmail",
                  actions: ["countSendAttempt", "forgetEmail", reply(msg("sendFailedRetryEmail"))],
                },
              ],
            },
          },

          awaitingCode: {
            tags: "resting",
            on: {
              // A call is a send like any other: the same cooldown and the same cap.
              RESEND: anotherSend("resend"),
              CALL: anotherSend("call"),
              CONFIRM: { actions: ["touch", reply(msg("promptCode"))] },
              TEXT: [
                { guard: not("isCodeShaped"), actions: ["touch", reply(msg("notACode"))] },
                { guard: "codeExhausted", actions: ["touch", reply(msg("tooManyWrongCodes"))] },
                { guard: "codeExpired", actions: ["touch", reply(msg("codeExpired"))] },
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
                  guard: and([providerSaid("approved"), "emailStepOn"]),
                  target: "sendingEmailCode",
                  actions: "recordPhoneVerified",
                },
                {
                  guard: providerSaid("approved"),
                  target: "#signup.verified",
                  actions: ["recordVerified", "announceVerified"],
                },
                ...notApproved(phoneCode),
              ],
              onError: { target: "awaitingCode", actions: reply(msg("checkFailed")) },
            },
          },

          // The email step (EMAIL_VERIFICATION=code). The host queues the email in the turn's commit (the durable
          // outbox); to an address with an account on another phone it queues a notice to its owner instead, and
          // answers exactly as for any address: a code nobody was sent can never be right.
          sendingEmailCode: {
            invoke: {
              id: "sendEmailCode",
              src: "sendEmailCode",
              input: ({ context }) => ({
                phone: context.phone,
                email: context.email ?? "",
                reason: context.emailSendReason,
              }),
              onDone: [
                {
                  guard: "isEmailResend",
                  target: "awaitingEmailCode",
                  actions: ["recordEmailCodeSent", toEmail("codeEmailedAgain")],
                },
                { target: "awaitingEmailCode", actions: ["recordEmailCodeSent", toEmail("codeEmailed")] },
              ],
              onError: {
                target: "awaitingEmailCode",
                actions: [
                  "countSendAttempt",
                  replyFrom((context) => msg("codeEmailFailed", { email: context.email ?? "" })),
                ],
              },
            },
          },

          awaitingEmailCode: {
            tags: "resting",
            on: {
              RESEND: [
                { guard: "inCooldown", actions: ["touch", cooldownLeft] },
                { guard: "sendCapReached", actions: ["touch", tooManySends] },
                { target: "sendingEmailCode", actions: ["touch", "chooseEmailResend"] },
              ],
              CALL: { actions: ["touch", toEmail("promptEmailCode")] },
              CONFIRM: { actions: ["touch", toEmail("promptEmailCode")] },
              TEXT: [
                // A changed address is a new send: the cap holds (no cooldown: it is not the same address again).
                { guard: and(["isOtherEmail", "sendCapReached"]), actions: ["touch", tooManySends] },
                { guard: "isOtherEmail", target: "sendingEmailCode", actions: ["touch", "takeNewEmail"] },
                { guard: "isValidEmail", actions: ["touch", toEmail("promptEmailCode")] },
                { guard: not("isCodeShaped"), actions: ["touch", toEmail("notAnEmailCode")] },
                { guard: "emailCodeExhausted", actions: ["touch", reply(msg("tooManyWrongCodes"))] },
                { guard: "emailCodeExpired", actions: ["touch", reply(msg("codeExpired"))] },
                { target: "checkingEmailCode", actions: "touch" },
              ],
            },
          },

          checkingEmailCode: {
            invoke: {
              id: "checkEmailCode",
              src: "checkEmailCode",
              input: ({ context, event }) => ({
                phone: context.phone,
                email: context.email ?? "",
                code: event.type === "TEXT" ? normalizeCode(event.body) : "",
                ticket: context.emailTicket,
              }),
              onDone: [
                {
                  guard: providerSaid("approved"),
                  target: "#signup.verified",
                  actions: ["recordEmailVerified", "recordVerified", "announceVerified"],
                },
                ...notApproved(emailCode),
              ],
              onError: { target: "awaitingEmailCode", actions: reply(msg("checkFailed")) },
            },
          },
        },
      },

      verified: {
        tags: "resting",
        on: {
          "*": { guard: "fromPerson", actions: ["touch", alreadyVerified] },
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

function suggestionFor(event: SignupEvent): string | null {
  if (event.type !== "TEXT") return null;
  const result = checkEmail(event.body);
  return result.ok ? result.suggestion : null;
}

/** What a code on its way gets: a call announced (asked for, or a landline's), a resend, or the first send. */
function codeOnItsWay(context: SignupContext, output: SendCodeResult): MessageRef {
  if (context.sendReason === "call") return msg("codeCalling");
  if (output.status === "sent" && output.channel === "call") return msg("codeCallingLandline");
  return msg(context.sendReason === "resend" ? "codeResent" : "codeSent");
}

/** What to tell the person when a send did not happen, by what the provider said. */
function sendFailureMessage(result: SendCodeResult, reason: "start" | "resend"): MessageRef {
  switch (result.status) {
    case "rate_limited":
      return result.retryAfterMs === null
        ? msg("providerRateLimitedLater")
        : msg("providerRateLimited", { minutes: minutes(result.retryAfterMs) });
    case "undeliverable":
      return msg("cannotSendHere");
    case "blocked":
      return msg("blockedForNow");
    default:
      return msg(reason === "resend" ? "sendFailedRetryResend" : "sendFailedRetryEmail");
  }
}

export type SignupEmitted = { type: "reply"; message: MessageRef } | { type: "effect"; effect: SignupEffect };

export type SignupMachine = ReturnType<typeof createSignupMachine>;
