import { describe, expect, it } from "vitest";
import { checkEmail, likelyDomain } from "./email.js";

describe("likelyDomain", () => {
  it("finds the common domain one or two keystrokes away, whatever the lengths", () => {
    expect(likelyDomain("gmial.com")).toBe("gmail.com"); // same length, a swapped pair
    expect(likelyDomain("gmail.co")).toBe("gmail.com"); // one shorter
    expect(likelyDomain("gmaill.com")).toBe("gmail.com"); // one longer
    expect(likelyDomain("hotmal.co")).toBe("hotmail.com"); // two shorter, on a long domain
    expect(likelyDomain("yahoo.com.brr")).toBe("yahoo.com.br");
  });

  it("leaves alone a common domain, and one too far from all of them", () => {
    expect(likelyDomain("gmail.com")).toBeNull();
    expect(likelyDomain("mo.com")).toBeNull(); // short domains need an exact match
    expect(likelyDomain("example.com")).toBeNull();
    expect(likelyDomain("gm.com")).toBeNull();
  });
});

describe("checkEmail", () => {
  it("answers the same text the same way each time it is asked, and another text for itself", () => {
    const first = checkEmail("ana@gmial.com");
    expect(checkEmail("ana@gmial.com")).toEqual(first);
    expect(first).toEqual({ ok: true, email: "ana@gmial.com", suggestion: "ana@gmail.com" });
    expect(checkEmail("ana@")).toEqual({ ok: false, problem: { key: "emailNothingAfterAt" } });
    expect(checkEmail("ana@gmial.com")).toEqual(first);
  });
});
