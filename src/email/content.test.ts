import { describe, expect, it } from "vitest";
import { LANGUAGES } from "../i18n/languages.js";
import { codeEmail, EMAIL_LANGUAGES, noticeEmail } from "./content.js";

describe("the email step's emails", () => {
  it("are written in every language the bot speaks, each in its own words, the code large and nothing to click", () => {
    expect([...EMAIL_LANGUAGES].sort()).toEqual([...LANGUAGES].sort());
    const english = codeEmail("en", { code: "482913", codeTtlMs: 600_000 });
    const englishNotice = noticeEmail("en", { phoneEnding: "23" });
    for (const language of LANGUAGES) {
      const mail = codeEmail(language, { code: "482913", codeTtlMs: 600_000 });
      expect(mail.text).toContain("482913");
      expect(mail.html).toMatch(/font-size:40px[^>]*>482913</);
      expect(mail.html).toContain(`lang="${language}"`);
      expect(mail.html).not.toMatch(/<a\b|href=|<img\b|<form\b|https?:\/\//i);
      const notice = noticeEmail(language, { phoneEnding: "23" });
      expect(notice.text).toContain("23");
      expect(notice.text).not.toMatch(/\d{3,}/);
      if (language === "en") continue;
      expect(mail.subject, language).not.toBe(english.subject);
      expect(notice.subject, language).not.toBe(englishNotice.subject);
    }
  });
});
