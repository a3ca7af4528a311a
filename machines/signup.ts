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

/** Which code a step is about: the phone's, or the email's (EMAIL_VERIFICATION=code). They are spent alike. */
type CodeKind = "phone" | "email";
/** Where each code keeps its expiry and its wrong tries in the context. */
const CODE_FIELDS = {
  phone: { expiresAt: "codeExpiresAt", wrongCodes: "wrongCodes" },
  email: { expiresAt: "emailCodeExpiresAt", wrongCodes: "emailWrongCodes" },
} as const satisfies Record<CodeKind, { expiresAt: keyof SignupContext; wrongCodes: keyof SignupContext }>;
type OfCode = { code: CodeKind };
/** A context update that sets one field named by CODE_FIELDS (TypeScript cannot type a computed key's object). */
const setField = <K extends keyof SignupContext>(field: K, value: SignupContext[K]) =>
  ({ [field]: value }) as Partial<SignupContext>;
/** The email step's code before any is sent: where the phone's code is proven, and when another address is given. */
const FRESH_EMAIL_CODE = {
  emailSendReason: "start",
  emailTicket: null,
  emailCodeExpiresAt: null,
  emailWrongCodes: 0,
} as const satisfies Partial<SignupContext>;
/** The provider calls are the host's (machine.provide): these stand in, so that a machine not given them says so. */
const providedByHost = <Output, Input>(name: string) =>
  fromPromise<Output, Input>(async () => {
    throw new Error(`${name} is provided by the host`);
  });
/** Whom a provider call or an effect is about: the phone, and the address it gave (empty before it gave one). */
const whose = (context: SignupContext) => ({ phone: context.phone, email: context.email ?? "" });
/** Something the host must record or do (a user to register): the machine says it, the host listens (actor.on). */
const effect = (of: (context: SignupContext) => SignupEffect) =>
  emit<SignupContext, SignupEvent, undefined, SignupEvent, SignupEmitted>(({ context }) => ({
    type: "effect",
    effect: of(context),
  }));
const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function createSignupMachine({ limits, signupWord, emailVerification = false }: SignupMachineOptions) {
  const sendsInWindow = (context: SignupContext) =>
    context.sendTimes.filter((time) => context.now - time < limits.sendWindowMs);
  /** When the oldest send leaves the window, and with it the cap: what "try again in N minutes" counts down. */
  const capLiftsInMs = (context: SignupContext) =>
    Math.min(...sendsInWindow(context)) + limits.sendWindowMs - context.now;
  const codeIsLive = (context: SignupContext, code: CodeKind) => {
    const expiresAt = context[CODE_FIELDS[code].expiresAt];
    return (
      expiresAt !== null && context.now < expiresAt && context[CODE_FIELDS[code].wrongCodes] < limits.maxWrongCodes
    );
  };
  /** Every attempt counts against the cap, failed ones too: a failing provider must not be hammered. */
  const sendCounted = (context: SignupContext) => ({
    lastSentAt: context.now,
    sendTimes: [...sendsInWindow(context), context.now],
  });
  // Guards run before the transition's actions, so they read the time from the event itself.
  const nowOf = (context: SignupContext, event: SignupEvent) => event.now ?? context.now;

  const toEmail = (
    key: "promptEmailCode" | "notAnEmailCode" | "codeEmailed" | "codeEmailedAgain" | "codeEmailFailed",
  ) => replyFrom((context) => msg(key, { email: context.email ?? "" }));
  const cooldownLeft = replyFrom((context) =>
    msg("resendTooSoon", { seconds: seconds(limits.resendCooldownMs - (context.now - (context.lastSentAt ?? 0))) }),
  );

  const alreadyVerified = replyFrom((context) => msg("alreadyVerified", { email: context.email ?? "" }));
  const tooManySends = replyFrom((context) => msg("tooManySends", { minutes: minutes(capLiftsInMs(context)) }));
  const howToBegin = reply(msg("howToBegin", { signupWord }));
  const welcome = reply(msg("welcome"));
  const emailNeededFirst = reply(msg("emailNeededFirst", { example: EMAIL_EXAMPLE }));
  const chooseSend = (reason: "resend" | "call") => ({ type: "chooseSend", params: { reason } }) as const;
  /** RESEND (or CALL for the phone's code) while a code is awaited: within the cooldown and the cap, a new send. */
  const anotherSend = <Target extends "sendingCode" | "sendingEmailCode", Choose>(target: Target, choose: Choose) => [
    { guard: "inCooldown" as const, actions: ["touch" as const, cooldownLeft] },
    { guard: "sendCapReached" as const, actions: ["touch" as const, tooManySends] },
    { target, actions: ["touch" as const, choose] },
  ];
  /**
   * A valid email in awaitingEmail: with the email step on, no lookup (the reply must not tell whether the address
   * has an account), straight to the phone's code; otherwise the lookup first.
   */
  const emailTaken = (take: "takeEmail" | "takeSuggestion") =>
    emailVerification
      ? { target: "sendingCode" as const, actions: ["touch" as const, take, "firstSend" as const] }
      : { target: "checkingEmail" as const, actions: ["touch" as const, take] };
  /** What differs between the phone's code and the email's while one is awaited and checked; the rest is shared. */
  const CODE_STATES = {
    phone: { awaiting: "awaitingCode", checking: "checkingCode", check: "checkCode", notACode: reply(msg("notACode")) },
    email: {
      awaiting: "awaitingEmailCode",
      checking: "checkingEmailCode",
      check: "checkEmailCode",
      notACode: toEmail("notAnEmailCode"),
    },
  } as const;
  /** A text while a code is awaited: checked only when it is shaped like a code and the code can still be right. */
  const codeTexted = (code: CodeKind) => [
    { guard: not("isCodeShaped"), actions: ["touch" as const, CODE_STATES[code].notACode] },
    {
      guard: { type: "codeExhausted" as const, params: { code } },
      actions: ["touch" as const, reply(msg("tooManyWrongCodes"))],
    },
    {
      guard: { type: "codeExpired" as const, params: { code } },
      actions: ["touch" as const, reply(msg("codeExpired"))],
    },
    { target: CODE_STATES[code].checking, actions: "touch" as const },
  ];
  /** A check's answers other than "approved": the same words for a phone's code and an email's. */
  const notApproved = (code: CodeKind) => {
    const awaiting = CODE_STATES[code].awaiting;
    const wrongCodes = (context: SignupContext) => context[CODE_FIELDS[code].wrongCodes];
    return [
      {
        guard: providerSaid("wrong"),
        target: awaiting,
        actions: [
          { type: "countWrongCode" as const, params: { code } },
          replyFrom((context) =>
            wrongCodes(context) >= limits.maxWrongCodes
              ? msg("tooManyWrongCodes")
              : msg("wrongCode", { triesLeft: limits.maxWrongCodes - wrongCodes(context) }),
          ),
        ],
      },
      {
        guard: providerSaid("expired"),
        target: awaiting,
        actions: [{ type: "expireCode" as const, params: { code } }, reply(msg("codeExpired"))],
      },
      {
        guard: providerSaid("too_many_attempts"),
        target: awaiting,
        actions: [{ type: "exhaustCode" as const, params: { code } }, reply(msg("tooManyWrongCodes"))],
      },
      { target: awaiting, actions: reply(msg("checkFailed")) },
    ];
  };
  /**
   * Checking the code a person texted: "approved" goes where `approved` says; any other answer, or a failed call,
   * back to where the code is awaited, alike for both codes. `ticket` adds what the code's provider needs.
   */
  const checkingCode = <Code extends CodeKind, Ticket, Approved>(
    code: Code,
    ticket: (context: SignupContext) => Ticket,
    approved: readonly Approved[],
  ) => {
    const src: (typeof CODE_STATES)[Code]["check"] = CODE_STATES[code].check;
    return {
      invoke: {
        id: src,
        src,
        input: ({ context, event }: { context: SignupContext; event: SignupEvent }) => ({
          ...whose(context),
          code: event.type === "TEXT" ? normalizeCode(event.body) : "",
          ...ticket(context),
        }),
        onDone: [...approved, ...notApproved(code)],
        onError: { target: CODE_STATES[code].awaiting, actions: reply(msg("checkFailed")) },
      },
    };
  };
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
      countSendAttempt: assign(({ context }) => sendCounted(context)),
      recordCodeSent: assign(({ context, event }) => {
        const sent = outputOf<Extract<SendCodeResult, { status: "sent" }>>(event);
        return {
          // A fresh budget of tries only once the last code is spent or gone: RESEND alone never resets it.
          wrongCodes: codeIsLive(context, "phone") ? context.wrongCodes : 0,
          ticket: sent?.ticket ?? null,
          providerId: sent?.providerId ?? context.providerId,
          codeExpiresAt: context.now + limits.codeTtlMs,
          ...sendCounted(context),
        };
      }),
      registerUser: effect((context) => ({
        type: "userRegistered",
        ...whose(context),
        providerId: context.providerId,
      })),
      countWrongCode: assign(({ context }, { code }: OfCode) =>
        setField(CODE_FIELDS[code].wrongCodes, context[CODE_FIELDS[code].wrongCodes] + 1),
      ),
      expireCode: assign((_, { code }: OfCode) => setField(CODE_FIELDS[code].expiresAt, null)),
      exhaustCode: assign((_, { code }: OfCode) => setField(CODE_FIELDS[code].wrongCodes, limits.maxWrongCodes)),
      recordVerified: assign(({ context }) => ({
        verifiedAt: context.now,
        phoneVerifiedAt: context.phoneVerifiedAt ?? context.now,
        ticket: null,
        codeExpiresAt: null,
        emailTicket: null,
        emailCodeExpiresAt: null,
      })),
      announceVerified: effect((context) => ({
        type: "verified",
        ...whose(context),
        at: context.now,
        emailVerified: context.emailVerifiedAt !== null,
      })),
      /** The phone is proven; the email step begins with a fresh code for the address. */
      recordPhoneVerified: assign(({ context }) => ({
        phoneVerifiedAt: context.now,
        ticket: null,
        codeExpiresAt: null,
        ...FRESH_EMAIL_CODE,
      })),
      recordEmailVerified: assign({ emailVerifiedAt: ({ context }) => context.now }),
      /** Another address while the email code is awaited: the step starts over for it, the old code is void. */
      takeNewEmail: assign(({ event }) => ({
        email: validEmail(event),
        ...FRESH_EMAIL_CODE,
      })),
      chooseEmailResend: assign({ emailSendReason: "resend" as const }),
      recordEmailCodeSent: assign(({ context, event }) => ({
        // As with SMS codes, RESEND alone never refills the tries: only a code spent or gone does.
        emailWrongCodes: codeIsLive(context, "email") ? context.emailWrongCodes : 0,
        emailTicket: outputOf<SendEmailCodeResult>(event)?.ticket ?? null,
        emailCodeExpiresAt: context.now + limits.codeTtlMs,
        ...sendCounted(context),
      })),
    },
    actors: {
      isEmailTaken: providedByHost<boolean, EmailLookupInput>("isEmailTaken"),
      sendCode: providedByHost<SendCodeResult, SendCodeInput>("sendCode"),
      checkCode: providedByHost<CheckCodeResult, CheckCodeInput>("checkCode"),
      sendEmailCode: providedByHost<SendEmailCodeResult, SendEmailCodeInput>("sendEmailCode"),
      checkEmailCode: providedByHost<CheckCodeResult, CheckEmailCodeInput>("checkEmailCode"),
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
      codeExpired: ({ context, event }, { code }: OfCode) => {
        const expiresAt = context[CODE_FIELDS[code].expiresAt];
        return expiresAt === null || nowOf(context, event) >= expiresAt;
      },
      codeExhausted: ({ context }, { code }: OfCode) => context[CODE_FIELDS[code].wrongCodes] >= limits.maxWrongCodes,
      inCooldown: ({ context, event }) =>
        context.lastSentAt !== null && nowOf(context, event) - context.lastSentAt < limits.resendCooldownMs,
      sendCapReached: ({ context, event }) =>
        sendsInWindow({ ...context, now: nowOf(context, event) }).length >= limits.maxSendsPerWindow,
      isResend: ({ context }) => context.sendReason !== "start",
      emailTaken: ({ event }) => outputOf<boolean>(event) === true,
      emailStepOn: () => emailVerification,
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
              input: ({ context }) => whose(context),
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
                ...whose(context),
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
              RESEND: anotherSend("sendingCode", chooseSend("resend")),
              CALL: anotherSend("sendingCode", chooseSend("call")),
              CONFIRM: { actions: ["touch", reply(msg("promptCode"))] },
              TEXT: codeTexted("phone"),
            },
          },

          checkingCode: checkingCode("phone", ({ ticket, providerId }) => ({ ticket, providerId }), [
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
          ]),

          // The email step (EMAIL_VERIFICATION=code). The host queues the email in the turn's commit (the durable
          // outbox); to an address with an account on another phone it queues a notice to its owner instead, and
          // answers exactly as for any address: a code nobody was sent can never be right.
          sendingEmailCode: {
            invoke: {
              id: "sendEmailCode",
              src: "sendEmailCode",
              input: ({ context }) => ({ ...whose(context), reason: context.emailSendReason }),
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
                actions: ["countSendAttempt", toEmail("codeEmailFailed")],
              },
            },
          },

          awaitingEmailCode: {
            tags: "resting",
            on: {
              RESEND: anotherSend("sendingEmailCode", "chooseEmailResend"),
              CALL: { actions: ["touch", toEmail("promptEmailCode")] },
              CONFIRM: { actions: ["touch", toEmail("promptEmailCode")] },
              TEXT: [
                // A changed address is a new send: the cap holds (no cooldown: it is not the same address again).
                { guard: and(["isOtherEmail", "sendCapReached"]), actions: ["touch", tooManySends] },
                { guard: "isOtherEmail", target: "sendingEmailCode", actions: ["touch", "takeNewEmail"] },
                { guard: "isValidEmail", actions: ["touch", toEmail("promptEmailCode")] },
                ...codeTexted("email"),
              ],
            },
          },

          checkingEmailCode: checkingCode("email", ({ emailTicket }) => ({ ticket: emailTicket }), [
            {
              guard: providerSaid("approved"),
              target: "#signup.verified",
              actions: ["recordEmailVerified", "recordVerified", "announceVerified"],
            },
          ]),
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
