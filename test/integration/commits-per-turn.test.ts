import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTwilio } from "../support/fake-twilio.js";
import { productionEnv, RunningService } from "../support/service.js";

/**
 * Counts the commits that write a conversation's rows, from the SQL the service runs on its SQLite file: a commit
 * of a transaction that touched them, or a write to them outside any transaction (which commits by itself).
 */
class CommitCounter {
  commits = 0;
  private inTransaction = false;
  private touched = false;

  readonly onQuery = (sql: string) => {
    const statement = sql.trim().toLowerCase();
    const touches = /"(conversations|webhook_claims|messages|transitions|users)"/.test(statement);
    const writes = /^(insert|update|delete)/.test(statement);
    if (statement.startsWith("begin")) {
      this.inTransaction = true;
      this.touched = false;
    } else if (statement === "commit") {
      if (this.touched) this.commits += 1;
      this.inTransaction = false;
    } else if (statement === "rollback") {
      this.inTransaction = false;
    } else if (touches && this.inTransaction) {
      this.touched = true;
    } else if (touches && writes) {
      this.commits += 1;
    }
  };

  async during(action: () => Promise<unknown>): Promise<number> {
    const before = this.commits;
    await action();
    return this.commits - before;
  }
}

describe("commits per turn", () => {
  let twilio: FakeTwilio;
  let app: RunningService;
  const counter = new CommitCounter();

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    app = await RunningService.start({ env: productionEnv(twilio.url), onQuery: counter.onQuery });
  });
  afterAll(async () => {
    await app.stop();
    await twilio.close();
  });

  it("a turn without a provider call commits once (a local code check too); a turn with one commits once before the call and once after (a code send once more, as the code leaves)", async () => {
    const phone = "+14155552001";
    const sms = (body: string) => counter.during(() => app.sms(phone, body));
    expect(await sms("hello")).toBe(1); // a fresh phone
    expect(await sms("SIGNUP")).toBe(1);
    expect(await sms("not an email")).toBe(1);
    expect(await sms("HELP")).toBe(1);
    expect(await sms("ana.commits@example.com")).toBe(3); // sendCode: its note is written before the code leaves
    expect(await sms("000000")).toBe(1); // checkCode: local codes are checked here, inside the turn
    expect((await app.state(phone))?.state).toBe("awaitingCode");

    const sid = (await app.sms(phone, "what?")).messageSid;
    const duplicate = await counter.during(() =>
      app.post("/sms", { MessageSid: sid, From: phone, To: "+15005550006", Body: "what?" }),
    );
    expect(duplicate).toBeLessThanOrEqual(1);
  });

  it("the code SMS of a turn is in the transcript without a commit of its own", async () => {
    const phone = "+14155552002";
    await app.sms(phone, "SIGNUP");
    expect(await counter.during(() => app.sms(phone, "ana.code@example.com"))).toBe(3);
    const transcript = await app.db
      .selectFrom("messages")
      .select(["direction", "channel", "body"])
      .where("phone", "=", phone)
      .orderBy("id")
      .execute();
    expect(transcript.map((m) => m.channel)).toEqual(["webhook", "twiml", "webhook", "api", "twiml"]);
    expect(transcript[3]?.body).toMatch(/^Your sign-up code is •{6}\./);
  });
});
