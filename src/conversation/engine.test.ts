import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type SendCodeResult } from "../../machines/types.js";
import { MemoryLogger, TestClock } from "../../test/support/service.js";
import { MessageRenderer } from "../i18n/catalog.js";
import { ConversationEngine } from "./engine.js";
import { KeyedLock } from "./keyed-lock.js";
import { InProcessPhoneSerializer } from "./phone-serializer.js";
import type {
  ConversationRecord,
  ConversationStore,
  ConversationUnitOfWork,
  PendingCall,
  StoredClaim,
  Turn,
  VerificationProvider,
} from "./ports.js";

/** The conversation store as a map: a unit's writes apply when its work returns, and vanish when it throws. */
class MemoryStore implements ConversationStore {
  readonly records = new Map<string, ConversationRecord>();
  readonly claims = new Map<string, StoredClaim>();
  readonly log: string[] = [];

  async unitOfWork<T>(_phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    const staged: (() => void)[] = [];
    const uow: ConversationUnitOfWork = {
      findClaim: async (sid) => this.claims.get(sid) ?? null,
      load: async (phone) => this.records.get(phone) ?? null,
      isEmailTaken: async () => false,
      beginCall: async (phone: string, call: PendingCall) => {
        staged.push(() => {
          if (call.messageSid) this.claims.set(call.messageSid, { status: "processing" });
          const record = this.records.get(phone);
          if (record) record.pendingCall = call;
        });
      },
      saveTurn: async (turn: Turn) => {
        const current = this.records.get(turn.phone);
        if ((current?.rowVersion ?? null) !== turn.expectedRowVersion) throw new Error("stale");
        staged.push(() => {
          this.records.set(turn.phone, {
            phone: turn.phone,
            state: turn.state,
            snapshot: turn.snapshot,
            machineVersion: turn.machineVersion,
            rowVersion: (current?.rowVersion ?? 0) + 1,
            optedOut: turn.optedOut,
            pendingCall: null,
            language: turn.language,
            channel: turn.channel,
          });
          if (turn.messageSid) this.claims.set(turn.messageSid, { status: "done", replies: turn.replies });
        });
      },
    };
    const result = await work(uow);
    for (const write of staged) write();
    this.log.push("commit");
    return result;
  }

  async recordRefused(): Promise<string[]> {
    throw new Error("not in these tests");
  }

  async erase(): Promise<never> {
    throw new Error("not in these tests");
  }
}

function engineWith(provider: Partial<VerificationProvider>) {
  const store = new MemoryStore();
  const engine = new ConversationEngine({
    serializer: new InProcessPhoneSerializer(store, new KeyedLock()),
    provider: {
      name: "local",
      checksRemotely: true,
      sendCode: async () => ({ status: "sent", ticket: "t" }),
      checkCode: async () => ({ status: "wrong" }),
      ...provider,
    },
    clock: new TestClock(),
    logger: new MemoryLogger(),
    limits: DEFAULT_LIMITS,
    signupWords: ["SIGNUP"],
    renderer: new MessageRenderer(),
    defaultLanguage: "en",
  });
  let sent = 0;
  const nextSid = () => {
    sent += 1;
    return `SM${String(sent).padStart(32, "0")}`;
  };
  const text = (body: string, messageSid = nextSid()) => engine.handle({ messageSid, from: "+14155550100", body });
  return { store, engine, text };
}

describe("the conversation engine", () => {
  it("runs a turn without a provider call as one unit of work", async () => {
    const { store, text } = engineWith({});
    expect((await text("SIGNUP")).replies).toEqual(["Welcome! What's your email address?"]);
    expect((await text("no")).replies[0]).toMatch(/^That doesn't look like an email/);
    expect(store.log).toEqual(["commit", "commit"]);
  });

  it("commits the claim and the pending call before a provider call, and the turn after it", async () => {
    const order: string[] = [];
    const { store, text } = engineWith({
      sendCode: async (): Promise<SendCodeResult> => {
        const record = store.records.get("+14155550100");
        order.push(`sendCode, pending ${record?.pendingCall?.call}`);
        return { status: "sent", ticket: "t" };
      },
    });
    await text("SIGNUP");
    store.log.length = 0;
    const sid = `SM${"e".repeat(32)}`;
    const outcome = await text("ana@example.com", sid);
    expect(outcome.replies).toEqual(["We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it."]);
    expect(order).toEqual(["sendCode, pending sendCode"]);
    expect(store.log).toEqual(["commit", "commit"]);
    expect(store.claims.get(sid)).toEqual({ status: "done", replies: outcome.replies });
    expect(store.records.get("+14155550100")).toMatchObject({ state: "awaitingCode", pendingCall: null });
  });

  it("checks a code at a remote provider after a commit, and a code it checks itself inside the turn's one unit", async () => {
    for (const checksRemotely of [true, false]) {
      const pendingAtCheck: (string | undefined)[] = [];
      const { store, text } = engineWith({
        checksRemotely,
        checkCode: async () => {
          pendingAtCheck.push(store.records.get("+14155550100")?.pendingCall?.call);
          return { status: "approved" };
        },
      });
      await text("SIGNUP");
      await text("ana@example.com");
      store.log.length = 0;
      await text("123456");
      expect(pendingAtCheck).toEqual([checksRemotely ? "checkCode" : undefined]);
      expect(store.log).toEqual(checksRemotely ? ["commit", "commit"] : ["commit"]);
      expect(store.records.get("+14155550100")).toMatchObject({ state: "verified", pendingCall: null });
    }
  });

  it("answers a redelivered MessageSid with its first reply and runs nothing", async () => {
    let sends = 0;
    const { store, text } = engineWith({
      sendCode: async () => {
        sends += 1;
        return { status: "sent", ticket: "t" };
      },
    });
    await text("SIGNUP");
    const first = await text("ana@example.com", `SM${"f".repeat(32)}`);
    const version = store.records.get("+14155550100")?.rowVersion;
    expect(await text("ana@example.com", `SM${"f".repeat(32)}`)).toEqual({ replies: first.replies, duplicate: true });
    expect(sends).toBe(1);
    expect(store.records.get("+14155550100")?.rowVersion).toBe(version);
  });

  it("saves a provider's failure as the machine's answer, clearing the pending call", async () => {
    const { store, text } = engineWith({
      sendCode: async () => {
        throw new Error("provider crashed");
      },
    });
    await text("SIGNUP");
    const version = store.records.get("+14155550100")?.rowVersion ?? 0;
    const sid = `SM${"a".repeat(32)}`;
    const outcome = await text("ana@example.com", sid);
    expect(outcome.replies[0]).toMatch(/^Sorry, we couldn't send your code just now/);
    expect(store.log.slice(-2)).toEqual(["commit", "commit"]);
    expect(store.records.get("+14155550100")).toMatchObject({
      rowVersion: version + 1,
      pendingCall: null,
      state: "awaitingEmail",
    });
    expect(store.claims.get(sid)).toEqual({ status: "done", replies: outcome.replies });
  });

  it("leaves the claim and the pending call of a turn whose save failed after the call, for the next delivery", async () => {
    const { store, text } = engineWith({});
    await text("SIGNUP");
    const original = store.unitOfWork.bind(store);
    let units = 0;
    store.unitOfWork = (phone, work) => {
      units += 1;
      if (units === 2) return Promise.reject(new Error("database went away"));
      return original(phone, work);
    };
    const sid = `SM${"b".repeat(32)}`;
    await expect(text("ana@example.com", sid)).rejects.toThrow("database went away");
    expect(store.claims.get(sid)).toEqual({ status: "processing" });
    expect(store.records.get("+14155550100")).toMatchObject({
      state: "awaitingEmail",
      pendingCall: { call: "sendCode", messageSid: sid },
    });
    // The redelivery takes the claim over and runs the turn.
    store.unitOfWork = original;
    expect((await text("ana@example.com", sid)).duplicate).toBe(false);
    expect(store.records.get("+14155550100")).toMatchObject({ state: "awaitingCode", pendingCall: null });
  });
});
