// Row 4 of issue 10: a code that went out in a turn that never committed is known to the next turn, which does not
// send a second one. The crash is a store adapter that loses the turn's last commit, as a process killed between
// the provider call and that commit would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ConversationStore,
  ConversationUnitOfWork,
  PendingCall,
  Refusal,
  Turn,
} from "../../src/conversation/ports.js";
import { FakeAuthy } from "../support/fake-authy.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { authyEnv, verifyEnv } from "../support/provider-env.js";
import { newMessageSid, productionEnv, RunningService } from "../support/service.js";

/** Dies, once armed, in the commit after a code send: that commit never happens, the process "is gone". */
class DiesAfterSend implements ConversationStore {
  armed = false;
  private sent = new Set<string>();

  constructor(private readonly inner: ConversationStore) {}

  unitOfWork<T>(phone: string, work: (uow: ConversationUnitOfWork) => Promise<T>): Promise<T> {
    return this.inner.unitOfWork(phone, (uow) =>
      work({
        findClaim: (sid) => uow.findClaim(sid),
        load: (p) => uow.load(p),
        isEmailTaken: (email, except) => uow.isEmailTaken(email, except),
        beginCall: async (p: string, call: PendingCall, now: number) => {
          await uow.beginCall(p, call, now);
          if (call.sent) this.sent.add(p);
        },
        saveTurn: async (turn: Turn) => {
          if (this.armed && this.sent.has(turn.phone)) {
            this.armed = false;
            throw new Error("the process died before this commit");
          }
          this.sent.delete(turn.phone);
          return uow.saveTurn(turn);
        },
      }),
    );
  }

  recordRefused(refusal: Refusal): Promise<string[]> {
    return this.inner.recordRefused(refusal);
  }

  erase(phone: string, operator: string, at: number) {
    return this.inner.erase(phone, operator, at);
  }
}

const SENT = /We sent you a code/;
const SORRY = /Sorry, something went wrong/;

describe("a code sent in a turn that never committed", () => {
  let twilio: FakeTwilio;
  let authy: FakeAuthy;
  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    authy = await FakeAuthy.start();
  });
  afterAll(async () => {
    await twilio.close();
    await authy.close();
  });

  const providers = {
    local: {
      env: () => productionEnv(twilio.url),
      codesTo: (phone: string) => twilio.bodiesTo(phone).filter((body) => /code is \d{6}/.test(body)).length,
      codeOf: (phone: string) => twilio.lastCodeTo(phone),
    },
    verify: {
      env: () => verifyEnv(twilio.url),
      codesTo: (phone: string) => twilio.verifications.get(phone)?.sends ?? 0,
      codeOf: (phone: string) => twilio.verifications.get(phone)?.code ?? null,
    },
    authy: {
      env: () => authyEnv(twilio.url, authy.url),
      // One fake serves every test: the SMS requests since this phone's test began.
      codesTo: (phone: string) => authySms() - (authySmsBefore.get(phone) ?? 0),
      codeOf: (phone: string) => authy.codeFor("1", phone.slice(2)),
    },
  } as const;
  const authySms = () => authy.requests.filter((r) => r.path.startsWith("/protected/json/sms/")).length;
  const authySmsBefore = new Map<string, number>();

  for (const [name, provider] of Object.entries(providers)) {
    it(`${name}: the redelivery is told the code is on its way, no second code goes out, and that code verifies`, async () => {
      let store: DiesAfterSend | undefined;
      const app = await RunningService.start({
        env: provider.env(),
        wrapStore: (inner) => {
          store = new DiesAfterSend(inner);
          return store;
        },
      });
      try {
        const phone = `+1415555${{ local: "3001", verify: "3002", authy: "3003" }[name]}`;
        authySmsBefore.set(phone, authySms());
        expect((await app.sms(phone, "SIGNUP")).replies[0]).toMatch(/email/);
        if (!store) throw new Error("the store adapter was not used");
        store.armed = true;
        const sid = newMessageSid();
        const email = `ana.${name}@example.com`;
        const died = await app.sms(phone, email, { MessageSid: sid, SmsSid: sid });
        expect(died.replies).toEqual([expect.stringMatching(SORRY)]);
        expect(provider.codesTo(phone)).toBe(1);
        const pending = JSON.parse((await app.state(phone))?.pending_call ?? "null") as PendingCall | null;
        expect(pending).toMatchObject({ call: "sendCode", messageSid: sid, sent: expect.any(Object) });
        expect(JSON.stringify(pending)).not.toContain(provider.codeOf(phone) ?? "no code");

        // Twilio redelivers the message that got no answer.
        const redelivered = await app.sms(phone, email, { MessageSid: sid, SmsSid: sid });
        expect(redelivered.replies).toEqual([expect.stringMatching(SENT)]);
        expect(provider.codesTo(phone)).toBe(1);
        const row = await app.state(phone);
        expect(row).toMatchObject({ state: "awaitingCode", pending_call: null, email });

        const code = provider.codeOf(phone);
        expect(code).toMatch(/^\d{6,7}$/);
        expect((await app.sms(phone, code ?? "")).status).toBe(200);
        await expect.poll(async () => (await app.state(phone))?.state).toBe("verified");
        await expect.poll(() => twilio.bodiesTo(phone).filter((body) => body.startsWith("You did it")).length).toBe(1);
        expect(await app.inbound({ phone })).toEqual(["SIGNUP", email, "•".repeat(code?.length ?? 0)]);
      } finally {
        await app.stop();
      }
    }, 20_000);
  }

  it("another message after the dead turn finds the code sent too: the code itself is checked, not taken for an email", async () => {
    let store: DiesAfterSend | undefined;
    const app = await RunningService.start({
      env: productionEnv(twilio.url),
      wrapStore: (inner) => {
        store = new DiesAfterSend(inner);
        return store;
      },
    });
    try {
      const phone = "+14155553004";
      await app.sms(phone, "SIGNUP");
      if (!store) throw new Error("the store adapter was not used");
      store.armed = true;
      expect((await app.sms(phone, "bo@example.com")).replies).toEqual([expect.stringMatching(SORRY)]);
      // Twilio gave up on that one; the person answers with the code they got.
      const code = twilio.lastCodeTo(phone) ?? "";
      expect((await app.sms(phone, code)).replies).toEqual([]);
      expect((await app.state(phone))?.state).toBe("verified");
      expect(twilio.bodiesTo(phone).filter((body) => /code is \d{6}/.test(body))).toHaveLength(1);
    } finally {
      await app.stop();
    }
  }, 20_000);
});
