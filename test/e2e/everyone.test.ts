// Issue 11 end to end: signed webhooks over real HTTP to the whole service, every Twilio and Authy call answered by
// fakes that speak the wire format and record the channel and the locale each send asked for.
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminApi } from "../support/admin.js";
import { FakeAuthy } from "../support/fake-authy.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { authyEnv, verifyEnv } from "../support/provider-env.js";
import { productionEnv, RunningService, TEST_TWILIO_NUMBER, TestClock } from "../support/service.js";

const WHATSAPP_SENDER = "whatsapp:+14155238886";
/** Twilio delivers WhatsApp to the same webhook, From and To both prefixed. */
const ON_WHATSAPP = { To: WHATSAPP_SENDER };
const wa = (phone: string) => `whatsapp:${phone}`;
/** Past the 30 s cooldown between two sends. */
const AFTER_COOLDOWN = 31_000;

type ProviderName = "local" | "verify" | "authy";

/** One service per test, with the provider asked for, its fakes, and a clock the test moves. */
class Harness {
  constructor(
    readonly app: RunningService,
    readonly twilio: FakeTwilio,
    readonly authy: FakeAuthy | null,
    readonly clock: TestClock,
  ) {}

  static async start(provider: ProviderName, extra: Record<string, string> = {}): Promise<Harness> {
    const twilio = await FakeTwilio.start();
    const authy = provider === "authy" ? await FakeAuthy.start() : null;
    const base =
      provider === "verify"
        ? verifyEnv(twilio.url)
        : provider === "authy"
          ? authyEnv(twilio.url, authy?.url ?? "")
          : productionEnv(twilio.url);
    const clock = new TestClock();
    const app = await RunningService.start({
      clock,
      env: {
        ...base,
        TWILIO_WHATSAPP_NUMBER: WHATSAPP_SENDER,
        // The sending number is American; these people are not.
        ALLOWED_COUNTRIES: "US,ES,MX,FR,DE,BR",
        ...extra,
      },
    });
    return new Harness(app, twilio, authy, clock);
  }

  /** Authy's live token for a phone (the fake keeps one per user). */
  authyCode(phone: string): string {
    const user = [...(this.authy?.users.values() ?? [])].find((u) => `+${u.countryCode}${u.cellphone}` === phone);
    return user?.code ?? "";
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.twilio.close();
    await this.authy?.close();
  }

  /** Every line of the phone's transcript: direction, medium (sms, whatsapp, call) and body. */
  transcript(phone: string) {
    return this.app.db
      .selectFrom("messages")
      .select(["direction", "medium", "body", "channel"])
      .where("phone", "=", phone)
      .orderBy("id")
      .execute();
  }
}

let harness: Harness | null = null;
const use = async (provider: ProviderName, extra?: Record<string, string>) => {
  harness = await Harness.start(provider, extra);
  return harness;
};
afterEach(async () => {
  await harness?.stop();
  harness = null;
});

describe("the person's language", () => {
  const SPAIN = "+34612345678";
  const US = "+14155550123";

  it("a Spanish number signs up in Spanish, chosen by its country code: replies, the code SMS and the success", async () => {
    const { app, twilio } = await use("local");
    expect((await app.sms(SPAIN, "hola")).replies).toEqual(["¡Hola! Escribe REGISTRO para crear tu cuenta."]);
    expect((await app.sms(SPAIN, "REGISTRO")).replies).toEqual([
      "¡Te damos la bienvenida! ¿Cuál es tu correo electrónico?",
    ]);
    expect((await app.sms(SPAIN, "ana@example.com")).replies).toEqual([
      "Te enviamos un código. Responde con él, REENVIAR para otro o LLAMAR para oírlo.",
    ]);
    const code = twilio.lastCodeTo(SPAIN) ?? "";
    expect(twilio.bodiesTo(SPAIN)).toEqual([
      `Tu código de registro es ${code}. Vale por 10 minutos. No se lo des a nadie.`,
    ]);
    expect((await app.sms(SPAIN, "123")).replies[0]).toMatch(/código/);
    expect((await app.sms(SPAIN, code)).replies).toEqual([]);
    await app.service.dispatcher.drain();
    expect(twilio.bodiesTo(SPAIN).at(-1)).toBe("¡Listo! Tu registro está completo :) Tu cuenta es ana@example.com.");
    // REGISTRO is Spanish only: the choice is kept, as a LANG ES would be.
    expect((await app.state(SPAIN))?.language).toBe("es");
  });

  it("the country alone decides until the person chooses: nothing is stored for them", async () => {
    const { app } = await use("local");
    expect((await app.sms(SPAIN, "SIGNUP")).replies).toEqual([
      "¡Te damos la bienvenida! ¿Cuál es tu correo electrónico?",
    ]);
    expect((await app.state(SPAIN))?.language).toBeNull();
    expect((await app.sms("+33612345678", "bonjour")).replies).toEqual([
      "Bonjour ! Envoyez INSCRIPTION pour créer votre compte.",
    ]);
    expect((await app.sms("+4915112345678", "hallo")).replies[0]).toMatch(/ANMELDEN/);
    expect((await app.sms("+5511912345678", "oi")).replies[0]).toMatch(/CADASTRO/);
  });

  it("LANG switches the language mid-conversation, and the phone keeps it after a reset", async () => {
    const { app, twilio, clock } = await use("local");
    expect((await app.sms(US, "SIGNUP")).replies).toEqual(["Welcome! What's your email address?"]);
    expect((await app.sms(US, "lang es")).replies).toEqual(["Listo, te escribiré en español."]);
    expect((await app.state(US))?.state).toBe("awaitingEmail");
    expect((await app.sms(US, "ana@example.com")).replies).toEqual([
      "Te enviamos un código. Responde con él, REENVIAR para otro o LLAMAR para oírlo.",
    ]);
    expect(twilio.bodiesTo(US).at(-1)).toMatch(/^Tu código de registro es \d{6}\./);
    // The language's own name works too, accents or not.
    expect((await app.sms(US, "Français")).replies).toEqual(["D'accord, je vous écris désormais en français."]);
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(US, "RENVOYER")).replies[0]).toMatch(/code/i);
    expect(twilio.bodiesTo(US).at(-1)).toMatch(/^Votre code/);
    expect((await app.state(US))?.language).toBe("fr");

    await app.service.engine.reset(US, "test");
    expect((await app.sms(US, "hello")).replies).toEqual(["Bonjour ! Envoyez INSCRIPTION pour créer votre compte."]);
    expect((await app.sms(US, "IDIOMA")).replies[0]).toMatch(/LANG/);
  });

  it("Verify is asked for the person's locale (pt-BR for Portuguese), and for the new one after LANG", async () => {
    const { app, twilio } = await use("verify");
    const brazil = "+5511912345678";
    await app.sms(brazil, "CADASTRO");
    expect((await app.sms(brazil, "ana@example.com")).replies[0]).toMatch(/código/);
    expect(twilio.verifyRequests("Verifications", brazil)[0]?.form.get("Locale")).toBe("pt-BR");
    await app.sms(US, "SIGNUP");
    await app.sms(US, "LANG DE");
    await app.sms(US, "bo@example.com");
    expect(twilio.verifyRequests("Verifications", US)[0]?.form.get("Locale")).toBe("de");
    expect(twilio.verifications.get(US)).toMatchObject({ locale: "de", channel: "sms" });
  });
});

describe.each(["local", "verify", "authy"] as const)("WhatsApp, %s provider", (provider) => {
  const PHONE = "+14155550140";

  it("a whole sign-up on WhatsApp: the code and the success go by WhatsApp, from TWILIO_WHATSAPP_NUMBER", async () => {
    const { app, twilio, authy } = await use(provider);
    expect((await app.sms(wa(PHONE), "Sign up", ON_WHATSAPP)).replies).toEqual(["Welcome! What's your email address?"]);
    expect((await app.sms(wa(PHONE), "ana@example.com", ON_WHATSAPP)).replies).toEqual([
      "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
    ]);
    let code: string;
    if (provider === "verify") {
      expect(twilio.verifyRequests("Verifications", PHONE)[0]?.form.get("Channel")).toBe("whatsapp");
      expect(twilio.messages).toEqual([]);
      code = twilio.verifications.get(PHONE)?.code ?? "";
    } else {
      // Authy has no WhatsApp: the code is ours, through the Messages API, and Authy is never asked.
      if (authy) expect(authy.requests).toEqual([]);
      const sent = twilio.messagesTo(PHONE);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ channel: "whatsapp", to: wa(PHONE), from: WHATSAPP_SENDER });
      code = twilio.lastCodeTo(PHONE) ?? "";
    }
    expect(code).toMatch(/^\d{6}$/);
    expect((await app.sms(wa(PHONE), code, ON_WHATSAPP)).replies).toEqual([]);
    expect((await app.state(PHONE))?.state).toBe("verified");
    await app.service.dispatcher.drain();
    expect(twilio.messagesTo(PHONE).at(-1)).toMatchObject({
      channel: "whatsapp",
      to: wa(PHONE),
      from: WHATSAPP_SENDER,
      body: "You did it! Signup complete :) Your account is ana@example.com.",
    });
    // One conversation, keyed by the phone, on WhatsApp; every line of its transcript says so.
    expect(await app.state(PHONE)).toMatchObject({ channel: "whatsapp" });
    const lines = await harness!.transcript(PHONE);
    expect(new Set(lines.map((line) => line.medium))).toEqual(new Set(["whatsapp"]));
    expect(lines.map((line) => line.body).join("\n")).not.toContain(code);
  });

  it("a person moving from SMS to WhatsApp mid-conversation is one conversation, answered where they last wrote", async () => {
    const { app, twilio, authy, clock } = await use(provider);
    await app.sms(PHONE, "SIGNUP");
    expect((await app.sms(PHONE, "ana@example.com")).replies[0]).toMatch(/We sent you a code/);
    if (provider === "verify") expect(twilio.verifications.get(PHONE)?.channel).toBe("sms");
    else if (provider === "authy") expect(authy?.sends.at(-1)).toMatchObject({ channel: "sms" });
    else expect(twilio.messagesTo(PHONE).at(-1)?.channel).toBe("sms");

    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(wa(PHONE), "resend", ON_WHATSAPP)).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    expect(await app.state(PHONE)).toMatchObject({ channel: "whatsapp", state: "awaitingCode" });
    let code: string;
    if (provider === "verify") {
      expect(twilio.verifyRequests("Verifications", PHONE).map((r) => r.form.get("Channel"))).toEqual([
        "sms",
        "whatsapp",
      ]);
      code = twilio.verifications.get(PHONE)?.code ?? "";
    } else {
      expect(twilio.messagesTo(PHONE).at(-1)).toMatchObject({ channel: "whatsapp", from: WHATSAPP_SENDER });
      code = twilio.lastCodeTo(PHONE) ?? "";
    }
    expect((await app.sms(wa(PHONE), code, ON_WHATSAPP)).replies).toEqual([]);
    expect((await app.state(PHONE))?.state).toBe("verified");
    await app.service.dispatcher.drain();
    expect(twilio.messagesTo(PHONE).at(-1)).toMatchObject({
      channel: "whatsapp",
      body: expect.stringMatching(/did it/),
    });
    const rows = await app.db
      .selectFrom("conversations")
      .select("phone")
      .where("phone", "like", "%4155550140")
      .execute();
    expect(rows).toHaveLength(1);
    const media = (await harness!.transcript(PHONE)).filter((l) => l.direction === "in").map((l) => l.medium);
    expect(media).toEqual(["sms", "sms", "whatsapp", "whatsapp"]);
  });

  it("STOP on WhatsApp stops the bot there too; START resumes", async () => {
    const { app } = await use(provider);
    await app.sms(wa(PHONE), "SIGNUP", ON_WHATSAPP);
    expect((await app.sms(wa(PHONE), "stop", ON_WHATSAPP)).replies).toEqual([]);
    expect((await app.state(PHONE))?.opted_out).toBeTruthy();
    expect((await app.sms(wa(PHONE), "ana@example.com", ON_WHATSAPP)).replies).toEqual([]);
    expect((await app.sms(wa(PHONE), "START", ON_WHATSAPP)).replies[0]).toMatch(/Welcome back/);
  });
});

describe.each(["local", "verify", "authy"] as const)("CALL, %s provider", (provider) => {
  const PHONE = "+14155550150";
  const SPAIN = "+34612345679";

  it("reads the code in a call, in the person's language, within the same cooldown as an SMS", async () => {
    const { app, twilio, authy, clock } = await use(provider);
    await app.sms(PHONE, "SIGNUP");
    await app.sms(PHONE, "ana@example.com");
    // Too soon after the first send: a call is a send like any other.
    expect((await app.sms(PHONE, "call")).replies).toEqual(["Please wait 30 seconds, then reply RESEND."]);
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(PHONE, "Call me!")).replies).toEqual([
      "We're calling you now to read you the code. Reply with it when you have it.",
    ]);
    let code: string;
    if (provider === "verify") {
      expect(twilio.verifyRequests("Verifications", PHONE).map((r) => r.form.get("Channel"))).toEqual(["sms", "call"]);
      expect(twilio.verifications.get(PHONE)).toMatchObject({ channel: "call", locale: "en" });
      code = twilio.verifications.get(PHONE)?.code ?? "";
    } else if (provider === "authy") {
      expect(authy?.sends.map((send) => send.channel)).toEqual(["sms", "call"]);
      expect(authy?.sends.at(-1)).toMatchObject({ locale: "en" });
      expect(authy?.requests.at(-1)?.path).toMatch(/^\/protected\/json\/call\/\d+$/);
      code = harness!.authyCode(PHONE);
    } else {
      const call = twilio.callsTo(PHONE).at(-1);
      expect(call).toMatchObject({ from: TEST_TWILIO_NUMBER, language: "en-US" });
      code = twilio.lastCalledCodeTo(PHONE) ?? "";
      // Slowly (digit by digit) and twice.
      const spoken = [...code].join(", ");
      expect(call?.said.split(spoken)).toHaveLength(3);
      // The transcript has the call, with the code masked.
      const lines = await harness!.transcript(PHONE);
      expect(lines.filter((l) => l.medium === "call").map((l) => l.body)).toEqual([
        "Hello. Your sign-up code is: •, •, •, •, •, •. Once again: •, •, •, •, •, •. Goodbye.",
      ]);
    }
    expect(code).toMatch(/^\d{6,7}$/);
    expect((await app.sms(PHONE, code)).replies).toEqual([]);
    expect((await app.state(PHONE))?.state).toBe("verified");
  });

  it("a call counts against the same send cap as an SMS", async () => {
    const { app, clock } = await use(provider);
    await app.sms(PHONE, "SIGNUP");
    await app.sms(PHONE, "ana@example.com");
    for (const word of ["CALL", "RESEND", "CALL", "RESEND"]) {
      clock.advance(AFTER_COOLDOWN);
      expect((await app.sms(PHONE, word)).replies[0]).toMatch(/^We('re calling| sent your code again)/);
    }
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(PHONE, "CALL")).replies).toEqual([
      "You've asked for a lot of codes. Please try again in 8 minutes.",
    ]);
  });

  it("LLAMAR from a Spanish number: the call speaks Spanish", async () => {
    const { app, twilio, authy, clock } = await use(provider);
    await app.sms(SPAIN, "REGISTRO");
    await app.sms(SPAIN, "ana@example.com");
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(SPAIN, "Llámame")).replies).toEqual([
      "Te estamos llamando para dictarte el código. Responde con él cuando lo tengas.",
    ]);
    if (provider === "verify") expect(twilio.verifications.get(SPAIN)).toMatchObject({ channel: "call", locale: "es" });
    else if (provider === "authy") expect(authy?.sends.at(-1)).toMatchObject({ channel: "call", locale: "es" });
    else {
      expect(twilio.callsTo(SPAIN).at(-1)).toMatchObject({ language: "es-MX" });
      expect(twilio.callsTo(SPAIN).at(-1)?.said).toMatch(/^Hola\. Tu código de registro es: \d, /);
    }
  });
});

describe.each(["local", "verify", "authy"] as const)("a landline (LOOKUP_LINE_TYPE), %s provider", (provider) => {
  const LANDLINE = "+14155550160";
  const MOBILE = "+14155550161";

  it("Lookup says landline: the first code is read in a call at once, not texted", async () => {
    const { app, twilio, authy } = await use(provider, { LOOKUP_LINE_TYPE: "true" });
    twilio.lineTypes.set(LANDLINE, "landline");
    await app.sms(LANDLINE, "SIGNUP");
    expect((await app.sms(LANDLINE, "ana@example.com")).replies).toEqual([
      "This number looks like a landline, so we're calling it to read you the code. Reply with it.",
    ]);
    const lookups = twilio.lookupRequests(LANDLINE);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.query.get("Fields")).toBe("line_type_intelligence");
    expect(twilio.messagesTo(LANDLINE)).toEqual([]);
    let code: string;
    if (provider === "verify") {
      expect(twilio.verifications.get(LANDLINE)).toMatchObject({ channel: "call" });
      code = twilio.verifications.get(LANDLINE)?.code ?? "";
    } else if (provider === "authy") {
      expect(authy?.sends.map((send) => send.channel)).toEqual(["call"]);
      code = harness!.authyCode(LANDLINE);
    } else {
      expect(twilio.callsTo(LANDLINE)).toHaveLength(1);
      code = twilio.lastCalledCodeTo(LANDLINE) ?? "";
    }
    expect((await app.sms(LANDLINE, code)).replies).toEqual([]);
    expect((await app.state(LANDLINE))?.state).toBe("verified");

    // A mobile is texted as usual.
    await app.sms(MOBILE, "SIGNUP");
    expect((await app.sms(MOBILE, "bo@example.com")).replies[0]).toMatch(/^We sent you a code/);
    expect(twilio.callsTo(MOBILE)).toEqual([]);
  });

  it("a Lookup that fails is no reason not to try an SMS", async () => {
    const { app, twilio } = await use(provider, { LOOKUP_LINE_TYPE: "true" });
    twilio.faults.lookup.push({
      kind: "status",
      status: 404,
      body: { code: 20404, message: "Not found", status: 404 },
    });
    await app.sms(MOBILE, "SIGNUP");
    expect((await app.sms(MOBILE, "bo@example.com")).replies[0]).toMatch(/^We sent you a code/);
  });
});

describe("words as people type them", () => {
  const PHONE = "+14155550170";

  it.each(["Sign up", "signup!", "SIGN-UP.", " sIgNuP ", "Regístrame", "registro"])(
    "%j starts a sign-up",
    async (word) => {
      const { app } = await use("local");
      const replies = (await app.sms(PHONE, word)).replies;
      expect(replies[0]).toMatch(/email|correo/);
      expect((await app.state(PHONE))?.state).toBe("awaitingEmail");
    },
  );

  it.each([
    ["  ana@example.com  ", "ana@example.com"],
    ["mailto:ana@example.com", "ana@example.com"],
    ["ana@example.com.", "ana@example.com"],
    ["ANA@EXAMPLE.COM", "ana@example.com"],
    ["My email is Ana@Example.com!", "ana@example.com"],
    ["<ana@example.com>", "ana@example.com"],
    ["ana @ example.com", "ana@example.com"],
  ])("the email %j is read as %s", async (sent, email) => {
    const { app, twilio, clock } = await use("local");
    await app.sms(PHONE, "SIGNUP");
    expect((await app.sms(PHONE, sent)).replies[0]).toMatch(/^We sent you a code/);
    clock.advance(1_000);
    expect((await app.sms(PHONE, twilio.lastCodeTo(PHONE) ?? "")).replies).toEqual([]);
    const user = await app.db.selectFrom("users").select("email").where("phone", "=", PHONE).executeTakeFirst();
    expect(user?.email).toBe(email);
  });

  it("RESEND. and Resend! are RESEND; a typo of a common domain is caught before any code goes", async () => {
    const { app, twilio, clock } = await use("local");
    await app.sms(PHONE, "SIGNUP");
    expect((await app.sms(PHONE, "ana@gmial.com")).replies).toEqual([
      "Did you mean ana@gmail.com? Reply YES or send the right one.",
    ]);
    expect(twilio.messages).toEqual([]);
    expect((await app.sms(PHONE, "Yes!")).replies[0]).toMatch(/^We sent you a code/);
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(PHONE, "RESEND.")).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    clock.advance(AFTER_COOLDOWN);
    expect((await app.sms(PHONE, "Resend!")).replies).toEqual([
      "We sent your code again. Reply with it when it arrives.",
    ]);
    expect(twilio.messagesTo(PHONE)).toHaveLength(3);
  });
});

describe("operators see each conversation's language and channel", () => {
  it("in the list and the detail of the API, with each transcript line's medium", async () => {
    const { app, twilio, clock } = await use("local", { ADMIN_TOKEN });
    const PHONE = "+14155550180";
    const SPAIN = "+34612345680";
    await app.sms(PHONE, "SIGNUP");
    clock.advance(1_000);
    await app.sms(PHONE, "ana@example.com");
    clock.advance(AFTER_COOLDOWN);
    await app.sms(wa(PHONE), "LANG PT", ON_WHATSAPP);
    clock.advance(1_000);
    await app.sms(wa(PHONE), "CALL", ON_WHATSAPP);
    await app.sms(SPAIN, "hola");
    expect(twilio.callsTo(PHONE)).toHaveLength(1);

    const list = await adminApi(app, "/conversations");
    expect(list.json.items).toEqual([
      expect.objectContaining({ phone: SPAIN, language: "es", languageChosen: false, channel: "sms" }),
      expect.objectContaining({ phone: PHONE, language: "pt", languageChosen: true, channel: "whatsapp" }),
    ]);
    const detail = await adminApi(app, `/conversations/${encodeURIComponent(PHONE)}`);
    expect(detail.json).toMatchObject({ language: "pt", languageChosen: true, channel: "whatsapp" });
    const lines = detail.json.transcript.map((line: { direction: string; medium: string }) => [
      line.direction,
      line.medium,
    ]);
    expect(lines).toEqual([
      ["in", "sms"],
      ["out", "sms"],
      ["in", "sms"],
      ["out", "sms"],
      ["out", "sms"],
      ["in", "whatsapp"],
      ["out", "whatsapp"],
      ["in", "whatsapp"],
      ["out", "call"],
      ["out", "whatsapp"],
    ]);
  });
});

describe("WhatsApp without TWILIO_WHATSAPP_NUMBER", () => {
  const PHONE = "+14155550190";
  const SERVICE = `MG${"e".repeat(32)}`;

  it("goes through the Messaging Service (which picks its WhatsApp sender) when there is one", async () => {
    const { app, twilio } = await use("local", { TWILIO_WHATSAPP_NUMBER: "", TWILIO_MESSAGING_SERVICE_SID: SERVICE });
    await app.sms(wa(PHONE), "SIGNUP", ON_WHATSAPP);
    expect((await app.sms(wa(PHONE), "ana@example.com", ON_WHATSAPP)).replies[0]).toMatch(/^We sent you a code/);
    expect(twilio.messagesTo(PHONE)).toEqual([
      expect.objectContaining({ to: wa(PHONE), channel: "whatsapp", from: null, messagingServiceSid: SERVICE }),
    ]);
  });

  it("without one either, the code cannot go: the person is told, the operator's log names the setting", async () => {
    const { app, twilio } = await use("local", { TWILIO_WHATSAPP_NUMBER: "" });
    await app.sms(wa(PHONE), "SIGNUP", ON_WHATSAPP);
    expect((await app.sms(wa(PHONE), "ana@example.com", ON_WHATSAPP)).replies).toEqual([
      "Sorry, we couldn't send your code just now. Reply with your email again in a minute to retry.",
    ]);
    expect(twilio.messages).toEqual([]);
    expect(app.logger.text).toContain("a WhatsApp message needs TWILIO_WHATSAPP_NUMBER");
  });
});
