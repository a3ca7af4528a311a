import { describe, expect, it } from "vitest";
import { classify } from "./keywords.js";
import { maskCodes, maskPhone } from "./mask.js";

const options = { signupWords: ["SIGNUP", "JOIN"] };
const intent = (body: string, optOutType?: string) => classify(body, optOutType, options).intent;

describe("keywords", () => {
  it("match the whole body in any case", () => {
    for (const word of ["STOP", "stopall", " Unsubscribe ", "cancel", "END", "quit", "revoke", "OptOut"]) {
      expect(intent(word)).toBe("optOut");
    }
    for (const word of ["START", "yes", "Unstop"]) expect(intent(word)).toBe("optIn");
    for (const word of ["help", "INFO "]) expect(intent(word)).toBe("help");
    expect(intent(" signup\n")).toBe("signup");
    expect(intent("join")).toBe("signup");
    expect(intent("resend")).toBe("resend");
  });

  it("forgive case, spacing, punctuation and accents, as phones type them", () => {
    for (const body of ["Sign up", "signup!", "Sign-up.", "SIGN UP "]) expect(intent(body)).toBe("signup");
    for (const body of ["RESEND.", "Re-send", "resend!!"]) expect(intent(body)).toBe("resend");
    expect(intent("Call me")).toBe("call");
    expect(intent("Stop.")).toBe("optOut");
    expect(intent("opt out")).toBe("optOut");
    expect(classify("Yes!", undefined, options)).toEqual({ intent: "optIn", yes: true });
    expect(classify("START", undefined, options)).toEqual({ intent: "optIn", yes: false });
  });

  it("know each language's words, and which language a word belongs to", () => {
    expect(classify("Registro", undefined, options)).toEqual({ intent: "signup", language: "es" });
    expect(classify("inscription", undefined, options)).toEqual({ intent: "signup", language: "fr" });
    expect(classify("Anmelden!", undefined, options)).toEqual({ intent: "signup", language: "de" });
    expect(classify("cadastro", undefined, options)).toEqual({ intent: "signup", language: "pt" });
    // Spanish and Portuguese share REENVIAR: it resends, in whatever language the person already has.
    expect(classify("reenviar", undefined, options)).toEqual({ intent: "resend" });
    expect(classify("LLAMAR", undefined, options)).toEqual({ intent: "call", language: "es" });
    expect(classify("Anruf", undefined, options)).toEqual({ intent: "call", language: "de" });
    expect(classify("Sí", undefined, options)).toEqual({ intent: "yes", language: "es" });
    expect(classify("oui", undefined, options)).toEqual({ intent: "yes", language: "fr" });
  });

  it("read a change of language: a language word with a code or a name, or a name alone", () => {
    const language = (body: string) => classify(body, undefined, options);
    expect(language("LANG ES")).toEqual({ intent: "language", language: "es" });
    expect(language("lang: fr")).toEqual({ intent: "language", language: "fr" });
    expect(language("Idioma português")).toEqual({ intent: "language", language: "pt" });
    expect(language("Sprache EN")).toEqual({ intent: "language", language: "en" });
    expect(language("LANGUE")).toEqual({ intent: "language", language: null });
    expect(language("IDIOMA")).toEqual({ intent: "language", language: null });
    expect(language("Español")).toEqual({ intent: "language", language: "es" });
    expect(language("deutsch")).toEqual({ intent: "language", language: "de" });
    expect(language("Français")).toEqual({ intent: "language", language: "fr" });
    // A bare code is too easily something else; a language word with an unknown language is just text.
    expect(language("ES")).toEqual({ intent: "text" });
    expect(language("LANG klingon")).toEqual({ intent: "text" });
  });

  it("do not match inside a sentence, an email or a code", () => {
    expect(intent("STOP please")).toBe("text");
    expect(intent("stop@example.com")).toBe("text");
    expect(intent("I want to sign up for this")).toBe("text");
    expect(intent("123456")).toBe("text");
    expect(intent("...")).toBe("text");
  });

  it("take Twilio's OptOutType over the body", () => {
    expect(intent("arrêt", "STOP")).toBe("optOut");
    expect(intent("please", "START")).toBe("optIn");
    expect(intent("?", "HELP")).toBe("help");
  });
});

describe("masking", () => {
  it("hides digit runs that could be codes, with spaces or dashes", () => {
    expect(maskCodes("Your code is 123456.")).toBe("Your code is ••••••.");
    expect(maskCodes("123 456")).toBe("••• •••");
    expect(maskCodes("12-34")).toBe("••-••");
    expect(maskCodes("in 10 minutes")).toBe("in 10 minutes");
  });

  it("keeps enough of a phone to tell two apart", () => {
    expect(maskPhone("+14155550123")).toBe("+14•••••0123");
  });
});
