import { describe, expect, it } from "vitest";
import { classify } from "./keywords.js";
import { maskCodes, maskPhone } from "./mask.js";

const options = { signupWords: ["SIGNUP", "JOIN"] };

describe("keywords", () => {
  it("match the whole trimmed body in any case", () => {
    for (const word of ["STOP", "stopall", " Unsubscribe ", "cancel", "END", "quit", "revoke", "OptOut"]) {
      expect(classify(word, undefined, options)).toBe("optOut");
    }
    for (const word of ["START", "yes", "Unstop"]) expect(classify(word, undefined, options)).toBe("optIn");
    for (const word of ["help", "INFO "]) expect(classify(word, undefined, options)).toBe("help");
    expect(classify(" signup\n", undefined, options)).toBe("signup");
    expect(classify("join", undefined, options)).toBe("signup");
    expect(classify("resend", undefined, options)).toBe("resend");
  });

  it("do not match inside a sentence", () => {
    expect(classify("STOP please", undefined, options)).toBe("text");
    expect(classify("OPT OUT", undefined, options)).toBe("text");
    expect(classify("stop@example.com", undefined, options)).toBe("text");
  });

  it("take Twilio's OptOutType over the body", () => {
    expect(classify("arrêt", "STOP", options)).toBe("optOut");
    expect(classify("please", "START", options)).toBe("optIn");
    expect(classify("?", "HELP", options)).toBe("help");
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
