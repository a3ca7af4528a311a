import { type AnyEventObject, createActor, fromPromise, type StateValue, waitFor } from "xstate";
import type { Channel } from "../../machines/channels.js";
import { actorOutcome, plainEventName } from "../../machines/event-names.js";
import { type MessageRef, msg } from "../../machines/message-keys.js";
import {
  createSignupMachine,
  type RestingState,
  restingStateOf,
  SIGNUP_MACHINE_VERSION,
  type SignupEmitted,
  type SignupMachine,
  type StateName,
  stateName,
} from "../../machines/signup.js";
import type { Limits, SendCodeResult, SignupContext, SignupEffect, SignupEvent } from "../../machines/types.js";
import { codeEmail, noticeEmail } from "../email/content.js";
import { type EmailCodes, VERIFY_TICKET } from "../email/email-codes.js";
import type { EmailKind } from "../email/ports.js";
import type { MessageRenderer } from "../i18n/catalog.js";
import type { Language } from "../i18n/languages.js";
import { classify, type Keyword } from "./keywords.js";
import { maskCodes, maskPhone } from "./mask.js";
import { ObservedMachine } from "./observed-machine.js";
import { languageOfPhone } from "./phone.js";
import type {
  Clock,
  ConversationRecord,
  ConversationStore,
  ConversationUnitOfWork,
  Delivery,
  ErasureCounts,
  Logger,
  PendingCall,
  PhoneSerializer,
  QueuedEmail,
  SendNote,
  SentRecord,
  TransitionRecord,
  Turn,
  VerificationProvider,
} from "./ports.js";
import { promptFor } from "./prompts.js";
import { QuietRunner } from "./quiet-run.js";
import { restoreSnapshot } from "./restore.js";

export interface InboundSms {
  messageSid: string;
  from: string;
  body: string;
  /** Twilio's Advanced Opt-Out verdict, when the number is in a Messaging Service that has it. */
  optOutType?: string | undefined;
  /** The channel it came on (`From=whatsapp:+…` is WhatsApp); absent: SMS. */
  channel?: Channel;
}

export interface TurnOutcome {
  replies: string[];
  duplicate: boolean;
}

export interface EngineOptions {
  /** Turns of one phone one at a time; it hands each turn the store. */
  serializer: PhoneSerializer;
  provider: VerificationProvider;
  clock: Clock;
  logger: Logger;
  limits: Limits;
  signupWords: readonly string[];
  renderer: MessageRenderer;
  /** The language of a phone whose country suggests none of ours and who chose none (DEFAULT_LANGUAGE). */
  defaultLanguage: Language;
  /** The SMS a provider sent during a turn (the code SMS), taken into the turn's transcript. */
  sentDuringTurn?: { take(phone: string): SentRecord[] };
  /** Called after a turn queued outbound SMS, so the sender starts at once instead of at its next poll. */
  onOutbox?: () => void;
  /** Called after a turn queued an email, so the email outbox sends it at once. */
  onEmail?: () => void;
  /** A turn whose provider calls have not settled by then is abandoned (Twilio gives up at 15 s). */
  turnTimeoutMs?: number;
  /** A message that waited this long behind its phone's earlier ones is answered at once instead of run. */
  maxWaitMs?: number;
  /** EMAIL_VERIFICATION=code: how email codes are made and checked; absent, there is no email step. */
  emailStep?: EmailStep;
}

/** What the email step needs from the host. */
export interface EmailStep {
  /** The codes emailed to the address: ours (hashed), or Verify's. */
  codes: EmailCodes;
  /** Codes nobody is sent, for an address with an account on another phone: no code can ever match. */
  decoys: EmailCodes;
  /** Whether a transport can tell an address's owner that their address was tried (Verify's email channel cannot). */
  sendsNotices: boolean;
  /** Whether checking a code calls out (Verify): then the turn commits before the call, as for a phone code. */
  checksRemotely: boolean;
}

interface MachineRun {
  state: RestingState;
  snapshot: unknown;
  replies: string[];
  effects: SignupEffect[];
  transitions: TransitionRecord[];
}

/** A machine run in progress: it rests, or stops at a provider call until `proceed`. */
interface MachineProgress {
  first: Promise<{ kind: "rested"; run: MachineRun } | { kind: "calling"; call: string }>;
  proceed(): void;
  settled: Promise<MachineRun>;
  /** The machine as it is now (at a call: in the calling state, the call in flight). */
  snapshot(): unknown;
}

/** What the actors of a running turn read through and wait on; one per phone, since its turns run one at a time. */
interface TurnScope {
  store: ConversationStore;
  /** The open unit of work before the commit that precedes a provider call; null after it. */
  uow: ConversationUnitOfWork | null;
  beforeCall(call: string): Promise<void>;
  /** The language and channel of this turn, for the provider calls the machine invokes. */
  delivery: Delivery;
  /** The provider call committed before it was made; a send's note is added to it before the code leaves. */
  pending: PendingCall | null;
  /** A send a dead turn of this phone made: the next sendCode takes it as made instead of sending again. */
  earlierSend: SendNote | null;
  /** Emails the turn owes, saved with it (the email outbox). */
  emails: QueuedEmail[];
}

/** The rest of a turn stopped at a provider call: the machine waiting at the call, and how to save the turn. */
interface CallInFlight {
  progress: MachineProgress;
  save: (run: MachineRun) => Turn;
  describe: ((run: MachineRun) => void) | undefined;
}

/** Where a turn finishes first what a dead turn began: the machine at its code send, and the provider's note. */
interface Resume {
  snapshot: unknown;
  sent: SendNote;
  /** The message that made the send is the one running again (Twilio's redelivery): its replies are the send's. */
  sameMessage: boolean;
}

type TurnPlan =
  | { kind: "static"; run: MachineRun; optedOut: boolean }
  | { kind: "machine"; events: SignupEvent[]; resume?: Resume };

/**
 * One inbound message in, replies out. The PhoneSerializer runs one turn of a phone at a time; the MessageSid claim
 * makes a redelivery return the first reply instead of running again; a row version checked on save catches any
 * writer the serializer does not cover. A turn without a provider call is one unit of work (claim, load, machine,
 * save); a turn with one commits before the call (the claim and the pending call) and after it (the turn).
 */
export class ConversationEngine {
  private readonly machine: SignupMachine;
  /** Runs a turn without an actor as far as it reaches no provider call (SIGNUP, a bad email, a RESEND too soon). */
  private readonly quiet: QuietRunner<SignupMachine, SignupEmitted>;
  /** The machine for the actor that runs the rest: it tells the engine each move, for the operators' timeline. */
  private readonly observed: ObservedMachine<SignupMachine>;
  private readonly signupWord: string;
  private readonly turnTimeoutMs: number;
  private readonly maxWaitMs: number;
  private readonly scopes = new Map<string, TurnScope>();

  constructor(private readonly options: EngineOptions) {
    const { provider } = options;
    this.signupWord = options.signupWords[0] ?? "SIGNUP";
    this.turnTimeoutMs = options.turnTimeoutMs ?? 12_000;
    this.maxWaitMs = options.maxWaitMs ?? 3_000;
    // Built once: a message restores an actor from this machine, it never builds one.
    this.machine = createSignupMachine({
      limits: options.limits,
      signupWord: this.signupWord,
      emailVerification: options.emailStep !== undefined,
    }).provide({
      actors: {
        isEmailTaken: fromPromise(({ input }) =>
          this.read(input.phone, (uow) => uow.isEmailTaken(input.email, input.phone)),
        ),
        sendCode: fromPromise(async ({ input }): Promise<SendCodeResult> => {
          const scope = this.scopes.get(input.phone);
          const earlier = scope?.earlierSend;
          if (scope && earlier) {
            // The code went out in a turn that died before its commit: a second one would confuse the person.
            scope.earlierSend = null;
            return {
              status: "sent",
              ticket: earlier.ticket ?? null,
              providerId: earlier.providerId ?? input.providerId,
              ...(earlier.channel ? { channel: earlier.channel } : {}),
            };
          }
          await this.beforeCall(input.phone, "sendCode");
          const delivery = this.deliveryTo(input.phone);
          // CALL asks for the code in a call, whatever the channel the person writes on.
          return provider.sendCode({
            ...input,
            ...delivery,
            channel: input.reason === "call" ? "call" : delivery.channel,
            beforeSend: (note) => this.recordSend(input.phone, note),
          });
        }),
        checkCode: fromPromise(async ({ input }) => {
          if (provider.checksRemotely) await this.beforeCall(input.phone, "checkCode");
          return provider.checkCode(input);
        }),
        sendEmailCode: fromPromise(({ input }) => this.queueEmailCode(input.phone, input.email)),
        checkEmailCode: fromPromise(async ({ input }) => {
          const step = this.requireEmailStep();
          if (step.checksRemotely && input.ticket === VERIFY_TICKET)
            await this.beforeCall(input.phone, "checkEmailCode");
          return step.codes.check(input);
        }),
      },
    });
    this.quiet = new QuietRunner(this.machine, (snapshot) => snapshot.hasTag("resting"));
    this.observed = new ObservedMachine(this.machine);
  }

  private requireEmailStep(): EmailStep {
    if (!this.options.emailStep) throw new Error("the email step is off");
    return this.options.emailStep;
  }

  /**
   * The email step's send: a code for the address, queued in the turn's commit (the email outbox sends it). An
   * address with a verified account on another phone gets a notice to its owner instead, and the machine a ticket
   * no code matches: the person is answered exactly as for any address, and can never finish.
   */
  private async queueEmailCode(phone: string, email: string) {
    const step = this.requireEmailStep();
    const taken = await this.read(phone, (uow) => uow.isEmailTaken(email, phone));
    const { language } = this.deliveryTo(phone);
    const queue = (kind: EmailKind, content: { subject: string; text: string; html: string }) =>
      this.scopes.get(phone)?.emails.push({ kind, to: email, phone, language, ref: newEmailRef(), ...content });
    if (taken) {
      const decoy = await step.decoys.issue(email);
      if (step.sendsNotices) queue("notice", noticeEmail(language, { phoneEnding: phone.slice(-2) }));
      this.options.logger.info({ phone: maskPhone(phone) }, "email step with an address of another account");
      return { status: "notice" as const, ticket: decoy.ticket };
    }
    const issued = await step.codes.issue(email);
    // Verify writes its own email with its own code: the row only says that one is owed.
    queue("code", codeEmail(language, { code: issued.code ?? "", codeTtlMs: this.options.limits.codeTtlMs }));
    return { status: "queued" as const, ticket: issued.ticket };
  }

  /** The language a phone gets until its person chooses one: its country's, or DEFAULT_LANGUAGE. */
  languageOf(phone: string): Language {
    return languageOfPhone(phone, null, this.options.defaultLanguage);
  }

  /** The apology for a turn that failed, in the phone's language (the store may be what failed: no lookup). */
  apology(phone: string): string {
    return this.options.renderer.render(msg("sorry"), this.languageOf(phone));
  }

  private deliveryTo(phone: string): Delivery {
    return this.scopes.get(phone)?.delivery ?? { language: this.languageOf(phone), channel: "sms" };
  }

  /** Phones with a turn running or queued in this process. */
  get busyPhones(): number {
    return this.options.serializer.busyPhones;
  }

  handle(sms: InboundSms): Promise<TurnOutcome> {
    const arrived = Date.now();
    const refuse = (store: ConversationStore) => this.refuse(store, sms);
    return this.options.serializer.run(
      sms.from,
      (store) => {
        const waited = Date.now() - arrived;
        return waited > this.maxWaitMs ? refuse(store) : this.turn(store, sms, waited);
      },
      refuse,
    );
  }

  /** An operator's reset: back to the start, recorded in the timeline as an operator action. */
  reset(phone: string, operator: string): Promise<void> {
    return this.options.serializer.run(
      phone,
      async (store) => {
        const now = this.options.clock.now();
        await this.commitTurn(store, phone, null, now, 0, async (uow) => {
          const record = await uow.load(phone);
          const run = { kind: "machine" as const, events: [{ type: "RESET" as const, now }] };
          return {
            record,
            plan: run,
            inboundBody: null,
            chosen: record?.language ?? null,
            channel: record?.channel ?? "sms",
            describe: (machineRun: MachineRun) => {
              machineRun.transitions = [
                { from: stateOf(record), event: `RESET by ${operator}`, to: machineRun.state, at: now },
              ];
            },
          };
        });
      },
      () => Promise.reject(new Error("conversation is busy")),
    );
  }

  /**
   * An operator's erasure (a privacy request): behind the same serializer as a turn, so that no turn of this
   * phone can be half-way through and save its snapshot back after the data is gone.
   */
  erase(phone: string, operator: string): Promise<ErasureCounts> {
    return this.options.serializer.run(
      phone,
      async (store) => {
        const counts = await store.erase(phone, operator, this.options.clock.now());
        this.options.logger.info({ phone: maskPhone(phone), operator, counts }, "conversation erased");
        return counts;
      },
      () => Promise.reject(new Error("conversation is busy")),
    );
  }

  private async refuse(store: ConversationStore, sms: InboundSms): Promise<TurnOutcome> {
    this.options.logger.warn({ phone: maskPhone(sms.from), messageSid: sms.messageSid }, "phone backlog full");
    const replies = await store.recordRefused({
      phone: sms.from,
      messageSid: sms.messageSid,
      inboundBody: maskCodes(sms.body),
      reply: this.options.renderer.render(msg("tooManyAtOnce"), this.languageOf(sms.from)),
      at: this.options.clock.now(),
    });
    return { replies, duplicate: false };
  }

  private async turn(store: ConversationStore, sms: InboundSms, waited: number): Promise<TurnOutcome> {
    const { logger, clock } = this.options;
    const now = clock.now();
    let duplicate: string[] | null = null;
    let intent = "";
    let from = "";
    const channel = sms.channel ?? "sms";
    let language: Language = this.languageOf(sms.from);
    const run = await this.commitTurn(store, sms.from, sms.messageSid, now, waited, async (uow) => {
      const claim = await uow.findClaim(sms.messageSid);
      if (claim?.status === "done") {
        duplicate = claim.replies;
        return null;
      }
      const record = await uow.load(sms.from);
      const resume = resumeOf(record, sms.messageSid);
      if (record?.pendingCall) {
        const { call, messageSid, at } = record.pendingCall;
        logger.warn(
          { phone: maskPhone(sms.from), pendingCall: { call, messageSid, at }, codeSent: resume !== undefined },
          "the last turn of this phone ended during a provider call",
        );
      }
      from = stateOf(record);
      const keyword = classify(sms.body, sms.optOutType, { signupWords: this.options.signupWords });
      intent = keyword.intent;
      // A language asked for by name, or a sign-up word only one language has ("REGISTRO"), is kept for the phone.
      let chosen = record?.language ?? null;
      if ((keyword.intent === "language" || keyword.intent === "signup") && keyword.language) chosen = keyword.language;
      language = chosen ?? language;
      const plan = this.plan(keyword, sms, record, now, language);
      if (plan.kind === "machine" && resume) plan.resume = resume;
      return {
        record,
        chosen,
        channel,
        plan,
        // A code in an inbound message is as secret as the one we sent (one may be out though the state says not).
        inboundBody: from === "awaitingCode" || from === "awaitingEmailCode" || resume ? maskCodes(sms.body) : sms.body,
      };
    });
    if (duplicate !== null) {
      logger.info({ messageSid: sms.messageSid }, "duplicate delivery answered from its first reply");
      return { replies: duplicate, duplicate: true };
    }
    logger.info(
      { phone: maskPhone(sms.from), messageSid: sms.messageSid, intent, channel, language, from, to: run?.state },
      "message handled",
    );
    return { replies: run?.replies ?? [], duplicate: false };
  }

  /**
   * Claim, load, machine, save in one unit of work; where the machine reaches a provider call, that unit commits
   * the claim and the pending call first, and a second unit saves the turn once the call has settled.
   */
  private async commitTurn(
    store: ConversationStore,
    phone: string,
    messageSid: string | null,
    now: number,
    waited: number,
    open: (uow: ConversationUnitOfWork) => Promise<{
      record: ConversationRecord | null;
      plan: TurnPlan;
      inboundBody: string | null;
      /** The language the person chose (kept), and the channel the turn answers on. */
      chosen: Language | null;
      channel: Channel;
      describe?: (run: MachineRun) => void;
    } | null>,
  ): Promise<MachineRun | null> {
    this.options.sentDuringTurn?.take(phone); // anything left belongs to a turn that was cut short
    // Set by the first unit of work when the machine stopped at a provider call.
    const calling: { next: CallInFlight | null } = { next: null };
    const scope: TurnScope = {
      store,
      uow: null,
      beforeCall: () => Promise.resolve(),
      delivery: { language: this.languageOf(phone), channel: "sms" },
      pending: null,
      earlierSend: null,
      emails: [],
    };
    this.scopes.set(phone, scope);
    try {
      const done = await store.unitOfWork(phone, async (uow) => {
        scope.uow = uow;
        const opened = await open(uow);
        if (opened === null) return null;
        const { record, plan, inboundBody, describe, chosen, channel } = opened;
        const language = chosen ?? this.languageOf(phone);
        scope.delivery = { language, channel };
        const save = (run: MachineRun, optedOut: boolean, machineVersion: number): Turn => ({
          phone,
          messageSid,
          expectedRowVersion: record?.rowVersion ?? null,
          state: run.state,
          snapshot: run.snapshot,
          machineVersion,
          optedOut,
          language: chosen,
          channel,
          at: now,
          inboundBody,
          replies: run.replies,
          sent: this.options.sentDuringTurn?.take(phone) ?? [],
          emails: scope.emails,
          transitions: run.transitions,
          effects: run.effects,
          // A turn the machine does not run (STOP, HELP) leaves a dead turn's send to the next one that does.
          pendingCall: plan.kind === "static" ? (record?.pendingCall ?? null) : null,
          outbox: run.effects.flatMap((effect) =>
            effect.type === "verified"
              ? [this.options.renderer.render(msg("success", { email: effect.email }), language)]
              : [],
          ),
        });
        if (plan.kind === "static") {
          await uow.saveTurn(save(plan.run, plan.optedOut, record?.machineVersion ?? SIGNUP_MACHINE_VERSION));
          return plan.run;
        }
        scope.earlierSend = plan.resume?.sent ?? null;
        const progress = this.startMachine(phone, record, plan, now, scope, waited);
        const first = await progress.first;
        const machineSave = (run: MachineRun) => save(run, record?.optedOut ?? false, SIGNUP_MACHINE_VERSION);
        if (first.kind === "rested") {
          describe?.(first.run);
          await uow.saveTurn(machineSave(first.run));
          return first.run;
        }
        // A send carries the machine at the call: the next turn finishes it from there if this one dies.
        scope.pending = {
          call: first.call,
          messageSid,
          at: now,
          ...(first.call === "sendCode" ? { snapshot: progress.snapshot() } : {}),
        };
        await uow.beginCall(phone, scope.pending, now);
        calling.next = { progress, save: machineSave, describe };
        return null;
      });
      scope.uow = null;
      if (done) return this.settledTurn(done, scope.emails);
      const next = calling.next;
      if (next === null) return null;
      next.progress.proceed();
      const run = await next.progress.settled;
      next.describe?.(run);
      await store.unitOfWork(phone, (uow) => uow.saveTurn(next.save(run)));
      return this.settledTurn(run, scope.emails);
    } finally {
      if (this.scopes.get(phone) === scope) this.scopes.delete(phone);
    }
  }

  private settledTurn(run: MachineRun, emails: QueuedEmail[]): MachineRun {
    if (run.effects.some((effect) => effect.type === "verified")) this.options.onOutbox?.();
    if (emails.length > 0) this.options.onEmail?.();
    return run;
  }

  /** Keywords first (they work in every state); everything else goes to the machine. */
  private plan(
    keyword: Keyword,
    sms: InboundSms,
    record: ConversationRecord | null,
    now: number,
    language: Language,
  ): TurnPlan {
    const before = stateOf(record);
    const intent = keyword.intent;
    const say = (message: MessageRef) => this.options.renderer.render(message, language);
    let optedOut = record?.optedOut ?? false;
    const run: MachineRun = {
      state: before,
      snapshot: record?.snapshot ?? null,
      replies: [],
      effects: [],
      transitions: [],
    };
    switch (intent) {
      case "optOut":
        // Twilio answers STOP itself and blocks our sends; anything from us now would be spam and fail with 21610.
        optedOut = true;
        run.transitions.push({ from: before, event: "OPT_OUT", to: before, at: now });
        return { kind: "static", run, optedOut };
      case "optIn": {
        // YES is also an everyday word: only someone who had opted out is welcomed back; anyone else's YES is an
        // answer to the conversation ("Did you mean …? Reply YES"), and the machine gives the prompt otherwise.
        if (!optedOut && keyword.intent === "optIn" && keyword.yes) {
          return {
            kind: "machine",
            events: [
              { type: "TICK", now },
              { type: "CONFIRM", now },
            ],
          };
        }
        const prompt = say(promptFor(before, contextOf(record), this.signupWord));
        if (optedOut) run.transitions.push({ from: before, event: "OPT_IN", to: before, at: now });
        run.replies.push(optedOut ? `${say(msg("optedIn"))} ${prompt}` : prompt);
        return { kind: "static", run, optedOut: false };
      }
      case "help":
        // Opted out means nothing from us at all: Twilio answers HELP itself, and our reply would be blocked.
        if (!optedOut) run.replies.push(say(msg("help", { signupWord: this.signupWord })));
        return { kind: "static", run, optedOut };
      case "language":
        if (!optedOut) run.replies.push(say(msg(keyword.language ? "languageSet" : "languageMenu")));
        return { kind: "static", run, optedOut };
      default: {
        if (optedOut) return { kind: "static", run, optedOut }; // no SMS of any kind until they opt back in
        const event: SignupEvent =
          intent === "signup"
            ? { type: "SIGNUP", now }
            : intent === "resend"
              ? { type: "RESEND", now }
              : intent === "call"
                ? { type: "CALL", now }
                : intent === "yes"
                  ? { type: "CONFIRM", now }
                  : { type: "TEXT", body: sms.body, now };
        return { kind: "machine", events: [{ type: "TICK", now }, event] };
      }
    }
  }

  private startMachine(
    phone: string,
    record: ConversationRecord | null,
    { events, resume }: { events: SignupEvent[]; resume?: Resume | undefined },
    now: number,
    scope: TurnScope,
    waited: number,
  ): MachineProgress {
    const atCall = resume ? restoreSnapshot(record, resume.snapshot) : null;
    // A send that cannot be finished (a machine from another version) is forgotten: the turn runs as usual.
    if (atCall?.kind !== "restored") scope.earlierSend = null;
    const resuming = resume !== undefined && atCall?.kind === "restored";
    const restored = resuming && atCall ? atCall : restoreSnapshot(record);
    const replies: string[] = [];
    const effects: SignupEffect[] = [];
    const transitions: TransitionRecord[] = [];
    if (restored.kind === "incompatible") {
      this.options.logger.warn(
        { phone: maskPhone(phone), reason: restored.reason },
        "snapshot does not fit the machine; starting over",
      );
      replies.push(this.options.renderer.render(msg("startedOver"), scope.delivery.language));
    }
    const input = { phone, now };
    const render = (emitted: SignupEmitted) => {
      if (emitted.type === "reply")
        replies.push(this.options.renderer.render(emitted.message, scope.delivery.language));
      else effects.push(emitted.effect);
    };
    let last: StateName = restored.kind === "restored" ? restored.state : "new";
    // Recorded by leaf: entering the sign-up is "new → awaitingEmail", not a move into its parent.
    const moved = (event: AnyEventObject, value: StateValue) => {
      const name = stateName(value);
      if (name !== last) transitions.push({ from: last, event: describeEvent(event), to: name, at: now });
      last = name;
    };
    let start: object | null = restored.kind === "restored" ? restored.snapshot : null;
    let toSend = events;
    // Without an actor as far as no provider call is reached; a resumed send is the actor's from the start.
    const quiet = resuming ? null : this.quiet.run(start, input, events);
    if (quiet) {
      for (const [i, value] of quiet.values.entries()) moved(events[i] as SignupEvent, value);
      for (const emitted of quiet.emitted) render(emitted);
      if (quiet.kind === "rested") {
        const run = {
          state: restingStateOf(quiet.snapshot.value),
          snapshot: quiet.persisted,
          replies,
          effects,
          transitions,
        };
        return {
          first: Promise.resolve({ kind: "rested", run }),
          proceed: () => {
            scope.uow = null;
          },
          settled: Promise.resolve(run),
          snapshot: () => run.snapshot,
        };
      }
      start = quiet.start;
      toSend = events.slice(quiet.values.length);
    }
    let callStarted!: (call: string) => void;
    const calling = new Promise<string>((resolve) => (callStarted = resolve));
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    scope.beforeCall = (call) => {
      callStarted(call);
      return gate;
    };

    const actor =
      start !== null
        ? createActor(this.observed.logic, { snapshot: start as never, input })
        : createActor(this.observed.logic, { input });
    this.observed.listen(actor, (event, next) => moved(event, next.value));
    actor.on("reply", render);
    actor.on("effect", render);
    actor.start();
    const timeout = Math.max(1_000, this.turnTimeoutMs - waited);
    const resting = () => waitFor(actor, (snapshot) => snapshot.hasTag("resting"), { timeout });
    let ready: Promise<unknown> = Promise.resolve();
    if (resuming) {
      // The restored send settles first (from the note, no provider call); then this message's own events.
      ready = resting().then(() => {
        if (!resume?.sameMessage) replies.length = 0;
        for (const event of events) actor.send(event);
      });
    } else {
      for (const event of toSend) actor.send(event);
    }
    // Persist only once settled: a snapshot taken mid-call would run the provider call again on restore.
    const settled = ready
      .then(resting)
      .then((snapshot) => ({
        state: restingStateOf(snapshot.value),
        snapshot: actor.getPersistedSnapshot(),
        replies,
        effects,
        transitions,
      }))
      .finally(() => actor.stop());
    return {
      first: Promise.race([
        settled.then((run) => ({ kind: "rested" as const, run })),
        calling.then((call) => ({ kind: "calling" as const, call })),
      ]),
      proceed: () => {
        scope.uow = null;
        proceed();
      },
      settled,
      snapshot: () => actor.getPersistedSnapshot(),
    };
  }

  /** A read by an actor of the running turn: in its unit of work while one is open, in a unit of its own after. */
  private read<T>(phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    const scope = this.scopes.get(phone);
    if (!scope) throw new Error(`no turn of ${maskPhone(phone)} is running`);
    return scope.uow ? work(scope.uow) : scope.store.unitOfWork(phone, work);
  }

  /** The provider is about to send a code: its note joins the pending call, committed before the code leaves. */
  private async recordSend(phone: string, sent: SendNote): Promise<void> {
    const scope = this.scopes.get(phone);
    const pending = scope?.pending;
    if (!scope || !pending) return;
    const noted = { ...pending, sent };
    scope.pending = noted;
    await scope.store.unitOfWork(phone, (uow) => uow.beginCall(phone, noted, pending.at));
  }

  private beforeCall(phone: string, call: string): Promise<void> {
    return this.scopes.get(phone)?.beforeCall(call) ?? Promise.resolve();
  }
}

/** A code a dead turn sent (its note was written, its commit never came): the next turn finishes that send. */
function resumeOf(record: ConversationRecord | null, messageSid: string): Resume | undefined {
  const pending = record?.pendingCall;
  if (pending?.call !== "sendCode" || !pending.sent || pending.snapshot === undefined) return undefined;
  return { snapshot: pending.snapshot, sent: pending.sent, sameMessage: pending.messageSid === messageSid };
}
/** Ties an email's outbox row to its line in the transcript. */
const newEmailRef = () => `email:${crypto.randomUUID()}`;

function stateOf(record: ConversationRecord | null): RestingState {
  return record?.state ?? "new";
}

function contextOf(record: ConversationRecord | null): SignupContext | null {
  const restored = restoreSnapshot(record);
  return restored.kind === "restored" ? restored.snapshot.context : null;
}

/** Names an event for the operators' timeline: "sendCode: sent" reads better than xstate's internal names. */
function describeEvent(event: AnyEventObject): string {
  const call = actorOutcome(event.type);
  if (!call) return plainEventName(event.type);
  if (call.outcome === "error") return `${call.actor}: error`;
  const output = (event as { output?: unknown }).output;
  if (typeof output === "boolean") return `${call.actor}: ${output ? "yes" : "no"}`;
  const { status, refusal } = (output ?? {}) as { status?: string; refusal?: string };
  // A send our own guard refused says why: "sendCode: blocked (prefix_cap)".
  if (status && refusal) return `${call.actor}: ${status} (${refusal})`;
  return status ? `${call.actor}: ${status}` : call.actor;
}
