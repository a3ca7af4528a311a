import { type AnyEventObject, createActor, fromPromise, type InspectionEvent, type StateValue, waitFor } from "xstate";
import { actorOutcome, plainEventName } from "../../machines/event-names.js";
import { messages } from "../../machines/messages.js";
import { createSignupMachine, SIGNUP_MACHINE_VERSION, type SignupMachine, stateName } from "../../machines/signup.js";
import type { Limits, SignupContext, SignupEffect, SignupEvent } from "../../machines/types.js";
import { KeyedLock } from "./keyed-lock.js";
import { classify } from "./keywords.js";
import { maskCodes, maskPhone } from "./mask.js";
import type {
  Clock,
  ConversationRecord,
  ConversationStore,
  ErasureCounts,
  Logger,
  TransitionRecord,
  VerificationProvider,
} from "./ports.js";
import { promptFor } from "./prompts.js";
import { restoreSnapshot } from "./restore.js";

export interface InboundSms {
  messageSid: string;
  from: string;
  body: string;
  /** Twilio's Advanced Opt-Out verdict, when the number is in a Messaging Service that has it. */
  optOutType?: string | undefined;
}

export interface TurnOutcome {
  replies: string[];
  duplicate: boolean;
}

export interface EngineOptions {
  store: ConversationStore;
  provider: VerificationProvider;
  clock: Clock;
  logger: Logger;
  limits: Limits;
  signupWords: readonly string[];
  /** Names this process in the per-phone lease, so that another process knows whose lease it sees. */
  instanceId: string;
  /** Called after a turn queued outbound SMS, so the sender starts at once instead of at its next poll. */
  onOutbox?: () => void;
  /** A lease outlives a crashed holder by this much; it must exceed the longest turn. */
  leaseTtlMs?: number;
  /** How long a message waits for another process's turn on the same phone. */
  leaseWaitMs?: number;
  /** A turn whose provider calls have not settled by then is abandoned (Twilio gives up at 15 s). */
  turnTimeoutMs?: number;
}

interface MachineRun {
  state: string;
  snapshot: unknown;
  replies: string[];
  effects: SignupEffect[];
  transitions: TransitionRecord[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One inbound message in, replies out. Per phone: a lock in this process, a lease across processes, and a row
 * version on save; the MessageSid claim makes a redelivery return the first reply instead of running again.
 */
export class ConversationEngine {
  private readonly machine: SignupMachine;
  private readonly locks = new KeyedLock();
  private readonly signupWord: string;
  private readonly leaseTtlMs: number;
  private readonly leaseWaitMs: number;
  private readonly turnTimeoutMs: number;

  constructor(private readonly options: EngineOptions) {
    const { store, provider } = options;
    this.signupWord = options.signupWords[0] ?? "SIGNUP";
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.leaseWaitMs = options.leaseWaitMs ?? 12_000;
    this.turnTimeoutMs = options.turnTimeoutMs ?? 12_000;
    // Built once: a message restores an actor from this machine, it never builds one.
    this.machine = createSignupMachine({ limits: options.limits, signupWord: this.signupWord }).provide({
      actors: {
        isEmailTaken: fromPromise(({ input }) => store.isEmailTaken(input.email, input.phone)),
        sendCode: fromPromise(({ input }) => provider.sendCode(input)),
        checkCode: fromPromise(({ input }) => provider.checkCode(input)),
      },
    });
  }

  /** Phones with a turn running or queued in this process. */
  get busyPhones(): number {
    return this.locks.busyKeys;
  }

  handle(sms: InboundSms): Promise<TurnOutcome> {
    return this.locks.run(sms.from, () =>
      this.withLease(sms.from, async () => {
        const now = this.options.clock.now();
        const claim = await this.options.store.claimMessage(sms.messageSid, sms.from, now, this.leaseTtlMs);
        if (claim.kind === "duplicate") {
          this.options.logger.info({ messageSid: sms.messageSid }, "duplicate delivery answered from its first reply");
          return { replies: claim.replies ?? [], duplicate: true };
        }
        try {
          return { replies: await this.turn(sms, now), duplicate: false };
        } catch (error) {
          // Let Twilio's redelivery (or the person's retry) run the message again: nothing of it was saved.
          await this.options.store.releaseMessage(sms.messageSid).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  /** An operator's reset: back to the start, recorded in the timeline as an operator action. */
  reset(phone: string, operator: string): Promise<void> {
    return this.locks.run(phone, () =>
      this.withLease(phone, async () => {
        const now = this.options.clock.now();
        const record = await this.options.store.load(phone);
        const run = await this.runMachine(phone, record, [{ type: "RESET", now }], now);
        run.transitions = [{ from: stateOf(record), event: `RESET by ${operator}`, to: run.state, at: now }];
        await this.options.store.saveTurn({
          phone,
          messageSid: null,
          expectedRowVersion: record?.rowVersion ?? 0,
          state: run.state,
          snapshot: run.snapshot,
          machineVersion: SIGNUP_MACHINE_VERSION,
          optedOut: record?.optedOut ?? false,
          at: now,
          inboundBody: null,
          replies: [],
          transitions: run.transitions,
          effects: [],
          outbox: [],
        });
      }),
    );
  }

  /**
   * An operator's erasure (a privacy request): behind the same lock and lease as a turn, so that no turn of this
   * phone can be half-way through and save its snapshot back after the data is gone.
   */
  erase(phone: string, operator: string): Promise<ErasureCounts> {
    return this.locks.run(phone, () =>
      this.withLease(phone, async () => {
        const counts = await this.options.store.erase(phone, operator, this.options.clock.now());
        this.options.logger.info({ phone: maskPhone(phone), operator, counts }, "conversation erased");
        return counts;
      }),
    );
  }

  private async turn(sms: InboundSms, now: number): Promise<string[]> {
    const { store, logger } = this.options;
    const record = await store.load(sms.from);
    const before = stateOf(record);
    const intent = classify(sms.body, sms.optOutType, { signupWords: this.options.signupWords });
    let optedOut = record?.optedOut ?? false;
    let run: MachineRun = {
      state: before,
      snapshot: record?.snapshot ?? null,
      replies: [],
      effects: [],
      transitions: [],
    };
    let machineVersion = record?.machineVersion ?? SIGNUP_MACHINE_VERSION;

    switch (intent) {
      case "optOut":
        // Twilio answers STOP itself and blocks our sends; anything from us now would be spam and fail with 21610.
        optedOut = true;
        run.transitions.push({ from: before, event: "OPT_OUT", to: before, at: now });
        break;
      case "optIn": {
        // YES is also an everyday word: only someone who had opted out is welcomed back; anyone else gets the prompt.
        const prompt = promptFor(before, contextOf(record), this.signupWord);
        if (optedOut) run.transitions.push({ from: before, event: "OPT_IN", to: before, at: now });
        run.replies.push(optedOut ? `${messages.optedIn} ${prompt}` : prompt);
        optedOut = false;
        break;
      }
      case "help":
        // Opted out means nothing from us at all: Twilio answers HELP itself, and our reply would be blocked.
        if (!optedOut) run.replies.push(messages.help(this.signupWord));
        break;
      default: {
        if (optedOut) break; // no SMS of any kind until they opt back in
        const event: SignupEvent =
          intent === "signup"
            ? { type: "SIGNUP", now }
            : intent === "resend"
              ? { type: "RESEND", now }
              : { type: "TEXT", body: sms.body, now };
        run = await this.runMachine(sms.from, record, [{ type: "TICK", now }, event], now);
        machineVersion = SIGNUP_MACHINE_VERSION;
      }
    }

    // A code in an inbound message is as secret as the one we sent.
    const inboundBody = before === "awaitingCode" ? maskCodes(sms.body) : sms.body;
    await store.saveTurn({
      phone: sms.from,
      messageSid: sms.messageSid,
      expectedRowVersion: record?.rowVersion ?? 0,
      state: run.state,
      snapshot: run.snapshot,
      machineVersion,
      optedOut,
      at: now,
      inboundBody,
      replies: run.replies,
      transitions: run.transitions,
      effects: run.effects,
      outbox: run.effects.flatMap((effect) => (effect.type === "verified" ? [messages.success(effect.email)] : [])),
    });
    logger.info(
      { phone: maskPhone(sms.from), messageSid: sms.messageSid, intent, from: before, to: run.state },
      "message handled",
    );
    if (run.effects.some((effect) => effect.type === "verified")) this.options.onOutbox?.();
    return run.replies;
  }

  private async runMachine(
    phone: string,
    record: ConversationRecord | null,
    events: SignupEvent[],
    now: number,
  ): Promise<MachineRun> {
    const restored = restoreSnapshot(record);
    const replies: string[] = [];
    const effects: SignupEffect[] = [];
    const transitions: TransitionRecord[] = [];
    if (restored.kind === "incompatible") {
      this.options.logger.warn(
        { phone: maskPhone(phone), reason: restored.reason },
        "snapshot does not fit the machine; starting over",
      );
      replies.push(messages.startedOver);
    }
    let last: string = restored.kind === "restored" ? restored.state : "new";
    const input = { phone, now };
    const inspect = (inspection: InspectionEvent) => {
      if (inspection.type !== "@xstate.snapshot" || inspection.actorRef.sessionId !== inspection.rootId) return;
      // Recorded by leaf: entering the sign-up is "new → awaitingEmail", not a move into its parent.
      const value = stateName((inspection.snapshot as { value?: StateValue }).value ?? last);
      if (value !== last) {
        transitions.push({ from: last, event: describeEvent(inspection.event), to: value, at: now });
        last = value;
      }
    };
    const actor =
      restored.kind === "restored"
        ? createActor(this.machine, { snapshot: restored.snapshot as never, input, inspect })
        : createActor(this.machine, { input, inspect });
    actor.on("reply", (emitted) => replies.push(emitted.text));
    actor.on("effect", (emitted) => effects.push(emitted.effect));
    actor.start();
    try {
      for (const event of events) actor.send(event);
      // Persist only once settled: a snapshot taken mid-call would run the provider call again on restore.
      const settled = await waitFor(actor, (snapshot) => snapshot.hasTag("resting"), { timeout: this.turnTimeoutMs });
      return { state: stateName(settled.value), snapshot: actor.getPersistedSnapshot(), replies, effects, transitions };
    } finally {
      actor.stop();
    }
  }

  private async withLease<T>(phone: string, task: () => Promise<T>): Promise<T> {
    const { store, clock, instanceId } = this.options;
    const deadline = clock.now() + this.leaseWaitMs;
    let pause = 10;
    while (!(await store.acquireLease(phone, instanceId, clock.now(), this.leaseTtlMs))) {
      if (clock.now() >= deadline) throw new Error(`conversation is busy in another process`);
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
    try {
      return await task();
    } finally {
      await store.releaseLease(phone, instanceId).catch(() => undefined);
    }
  }
}

function stateOf(record: ConversationRecord | null): string {
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
  const status = (output as { status?: string } | undefined)?.status;
  return status ? `${call.actor}: ${status}` : call.actor;
}
