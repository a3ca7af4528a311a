import { describe, expect, it } from "vitest";
import { EMAIL_EXAMPLE, MESSAGE_KEYS, MESSAGE_SPECS, type MessageRef, specOf } from "../../machines/message-keys.js";
import {
  BUILT_IN_CATALOGS,
  CatalogError,
  catalogProblems,
  GSM7_LANGUAGES,
  MessageRenderer,
  withOverrides,
} from "./catalog.js";
import { LANGUAGES } from "./languages.js";
import { loadCatalogs } from "./messages-file.js";
import { smsCost } from "./sms-encoding.js";

const renderer = new MessageRenderer();
const EMAIL_PROBLEMS = MESSAGE_KEYS.filter((key) => key.startsWith("email") && specOf(key).vars.length <= 1).filter(
  (key) => !["emailSuggestion", "emailRetriesExhausted", "emailTaken", "emailNeededFirst"].includes(key),
);

// Long but realistic: a long institutional address, the longest codes Verify makes, counts at their widest.
const LONG_VALUES = {
  signupWord: "REGISTER",
  example: EMAIL_EXAMPLE,
  character: ",",
  suggestion: "maria.fernanda.gonzalez@gmail.com",
  email: "maria.fernanda.gonzalez@universidad.edu.mx",
  code: "4829130755",
  digits: "4, 8, 2, 9, 1, 3",
};
const COUNTS = [1, 2, 5, 59];

/** Every way a key can be rendered: each plural count, and each email problem inside the two wrappers. */
function variants(key: (typeof MESSAGE_KEYS)[number]): MessageRef[] {
  const spec = specOf(key);
  if (spec.vars.includes("problem" as never)) {
    return EMAIL_PROBLEMS.map((problem) => ({
      key,
      vars: { ...LONG_VALUES, problem: { key: problem, vars: LONG_VALUES } },
    }));
  }
  if (spec.count) return COUNTS.map((n) => ({ key, vars: { ...LONG_VALUES, [spec.count as string]: n } }));
  return [{ key, vars: LONG_VALUES }];
}

describe("the built-in catalogs", () => {
  it("have every key in every language, each text well formed", () => {
    expect(catalogProblems(BUILT_IN_CATALOGS)).toEqual([]);
  });

  it("render every key in every language with no placeholder left over", () => {
    for (const language of LANGUAGES) {
      for (const key of MESSAGE_KEYS) {
        for (const ref of variants(key)) {
          const text = renderer.render(ref, language);
          expect(text, `${language}.${key}`).not.toMatch(/[{}]/);
          expect(text.length, `${language}.${key}`).toBeGreaterThan(5);
        }
      }
    }
  });

  it("cost at most 2 segments each, and GSM-7 in the languages its alphabet can write", () => {
    const costs: string[] = [];
    for (const language of LANGUAGES) {
      for (const key of MESSAGE_KEYS) {
        if ("voice" in MESSAGE_SPECS[key]) continue;
        for (const ref of variants(key)) {
          const text = renderer.render(ref, language);
          const cost = smsCost(text);
          const where = `${language}.${key}: ${cost.encoding} ${cost.units} units, ${cost.segments} segments: ${text}`;
          if (cost.segments > 2) costs.push(where);
          if (GSM7_LANGUAGES.includes(language) && cost.encoding !== "GSM-7") {
            costs.push(`${where} (not GSM-7 because of ${cost.nonGsm.join(" ")})`);
          }
        }
      }
    }
    expect(costs).toEqual([]);
  });

  it("speak every language but English in its own words", () => {
    for (const language of LANGUAGES.filter((l) => l !== "en")) {
      const same = MESSAGE_KEYS.filter((key) => BUILT_IN_CATALOGS[language][key] === BUILT_IN_CATALOGS.en[key]);
      expect(same, language).toEqual([]);
    }
  });
});

describe("plurals and numbers", () => {
  const wrong = (language: (typeof LANGUAGES)[number], triesLeft: number) =>
    renderer.render({ key: "wrongCode", vars: { triesLeft } }, language);

  it("pick the form by each language's own rules", () => {
    expect(wrong("en", 1)).toBe("That code isn't right. 1 try left.");
    expect(wrong("en", 3)).toBe("That code isn't right. 3 tries left.");
    expect(wrong("es", 1)).toBe("Ese código no es correcto. Te queda 1 intento.");
    expect(wrong("es", 4)).toBe("Ese código no es correcto. Te quedan 4 intentos.");
    expect(wrong("de", 2)).toBe("Der Code stimmt nicht. Du hast noch 2 Versuche.");
    // French and Brazilian Portuguese count 0 as singular; English and German do not.
    expect(wrong("fr", 0)).toBe("Ce code n'est pas le bon. Il vous reste 0 essai.");
    expect(wrong("pt", 0)).toBe("Código incorreto. Resta 0 tentativa.");
    expect(wrong("en", 0)).toBe("That code isn't right. 0 tries left.");
  });

  it("write numbers in each language's form", () => {
    const wait = (language: (typeof LANGUAGES)[number]) =>
      renderer.render({ key: "tooManySends", vars: { minutes: 1440 } }, language);
    expect(wait("en")).toContain("1,440 minutes");
    expect(wait("de")).toContain("1.440 Minuten");
    expect(wait("fr")).toMatch(/1\s440 minutes/);
    expect(wait("pt")).toContain("1.440 minutos");
  });

  it("render a value that is itself a message in the same language", () => {
    const ref: MessageRef = {
      key: "emailProblem",
      vars: { problem: { key: "emailNothingAfterAt" }, example: "a@b.co" },
    };
    expect(renderer.render(ref, "en")).toBe("There's nothing after the @. Please reply with your email, like a@b.co.");
    expect(renderer.render(ref, "pt")).toBe("Não há nada depois do @. Responda com seu e-mail, por exemplo a@b.co.");
  });
});

describe("an operator's catalog file", () => {
  it("the README's example file loads as it says", () => {
    const custom = new MessageRenderer(loadCatalogs(new URL("./messages-file.example.json", import.meta.url).pathname));
    expect(custom.render({ key: "welcome" }, "en")).toBe("Welcome to Acme! What's your email address?");
    expect(custom.render({ key: "wrongCode", vars: { triesLeft: 1 } }, "de")).toBe("Falscher Code. Noch 1 Versuch.");
    expect(custom.render({ key: "codeSent" }, "es")).toBe(renderer.render({ key: "codeSent" }, "es"));
  });

  it("overrides texts in any language and keeps the rest", () => {
    const catalogs = withOverrides({
      es: {
        welcome: "¡Hola! ¿Cuál es tu email?",
        wrongCode: { one: "Mal. Queda {triesLeft}.", other: "Mal. Quedan {triesLeft}." },
      },
      en: { howToBegin: "Text {signupWord} to join us." },
    });
    const custom = new MessageRenderer(catalogs);
    expect(custom.render({ key: "welcome" }, "es")).toBe("¡Hola! ¿Cuál es tu email?");
    expect(custom.render({ key: "wrongCode", vars: { triesLeft: 2 } }, "es")).toBe("Mal. Quedan 2.");
    expect(custom.render({ key: "howToBegin", vars: { signupWord: "JOIN" } }, "en")).toBe("Text JOIN to join us.");
    expect(custom.render({ key: "welcome" }, "fr")).toBe(renderer.render({ key: "welcome" }, "fr"));
    expect(BUILT_IN_CATALOGS.es.welcome).not.toBe("¡Hola! ¿Cuál es tu email?");
  });

  it("that is broken is refused with every problem named by language and key", () => {
    const broken = {
      es: {
        codeMessage: "Tu código vale {minutes} minutos.",
        wrongCode: "Te quedan {tries} intentos.",
        welcom: "¡Hola!",
      },
      fr: {
        wrongCode: { one: "Il reste {triesLeft} essai.", few: "x {triesLeft}", other: "Il reste {triesLeft} essais." },
      },
      de: { welcome: "" },
      it: { welcome: "Ciao!" },
    };
    let error: unknown;
    try {
      withOverrides(broken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const lines = (error as Error).message.split("\n");
    expect(lines).toEqual([
      "es.codeMessage: missing placeholder {code}",
      "es.wrongCode: unknown placeholder {tries} (allowed: {triesLeft})",
      "es.welcom: not a message key",
      'fr.wrongCode: "few" is not a plural form of fr (many, one, other)',
      "de.welcome: must be a non-empty text",
      "it: not a supported language (en, es, fr, de, pt)",
    ]);
  });

  it("that is not an object of languages is refused", () => {
    expect(() => withOverrides(["welcome"])).toThrow(CatalogError);
    expect(() => withOverrides({ es: "hola" })).toThrow("es: must be an object of message keys");
  });
});

describe("SMS cost", () => {
  it("counts GSM-7 septets, extension characters twice, and UCS-2 code units", () => {
    expect(smsCost("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsCost("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(smsCost("a".repeat(306))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(smsCost("a".repeat(307))).toMatchObject({ encoding: "GSM-7", segments: 3 });
    expect(smsCost("{".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsCost("Grüße aus München, Straße")).toMatchObject({ encoding: "GSM-7" });
    expect(smsCost("It’s")).toMatchObject({ encoding: "UCS-2", nonGsm: ["’"] });
    expect(smsCost("código".padEnd(70, "x"))).toMatchObject({ encoding: "UCS-2", segments: 1 });
    expect(smsCost("código".padEnd(71, "x"))).toMatchObject({ encoding: "UCS-2", segments: 2 });
    expect(smsCost("🙂")).toMatchObject({ encoding: "UCS-2", units: 2 });
  });
});
