// One catalog per language, and the one renderer that turns a MessageRef into the words a person receives.
import {
  MESSAGE_KEYS,
  type MessageKey,
  type MessageRef,
  type MessageValue,
  specOf,
} from "../../machines/message-keys.js";
import { de } from "./catalogs/de.js";
import { en } from "./catalogs/en.js";
import { es } from "./catalogs/es.js";
import { fr } from "./catalogs/fr.js";
import { pt } from "./catalogs/pt.js";
import { INTL_LOCALE, isLanguage, LANGUAGES, type Language } from "./languages.js";

const PLURAL_CATEGORIES = ["zero", "one", "two", "few", "many", "other"] as const;
type PluralCategory = (typeof PLURAL_CATEGORIES)[number];

/** A text, or one text per plural category of the key's count (`other` is required, as CLDR's fallback). */
export type Template = string | ({ other: string } & Partial<Record<PluralCategory, string>>);
export type Catalog = Record<MessageKey, Template>;
export type Catalogs = Record<Language, Catalog>;

export const BUILT_IN_CATALOGS: Catalogs = { en, es, fr, de, pt };

/** Languages whose every message must stay GSM-7 (160 characters a segment): their alphabet fits in it. */
export const GSM7_LANGUAGES: readonly Language[] = ["en", "de"];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export class CatalogError extends Error {
  override name = "CatalogError";
}

/** Turns message keys into text: plurals by Intl.PluralRules, numbers by Intl.NumberFormat, in the language asked. */
export class MessageRenderer {
  private readonly plurals = new Map<Language, Intl.PluralRules>();
  private readonly numbers = new Map<Language, Intl.NumberFormat>();

  constructor(readonly catalogs: Catalogs = BUILT_IN_CATALOGS) {
    for (const language of LANGUAGES) {
      this.plurals.set(language, new Intl.PluralRules(INTL_LOCALE[language]));
      this.numbers.set(language, new Intl.NumberFormat(INTL_LOCALE[language], { useGrouping: true }));
    }
  }

  render(ref: MessageRef, language: Language): string {
    const spec = specOf(ref.key);
    const template = this.catalogs[language][ref.key];
    const vars = ref.vars ?? {};
    let text: string;
    if (typeof template === "string") {
      text = template;
    } else {
      const count = spec.count ? Number(vars[spec.count]) : Number.NaN;
      const category = this.plurals.get(language)?.select(count) as PluralCategory | undefined;
      text = (category && template[category]) ?? template.other;
    }
    return text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = vars[name];
      return value === undefined ? whole : this.value(value, language);
    });
  }

  private value(value: MessageValue, language: Language): string {
    if (typeof value === "number") return this.numbers.get(language)?.format(value) ?? String(value);
    if (typeof value === "string") return value;
    return this.render(value, language);
  }
}

/** What is wrong with one text of one key, or null: unknown or missing placeholders, plural forms. */
function templateProblems(language: Language, key: MessageKey, template: unknown): string[] {
  const spec = specOf(key);
  const where = `${language}.${key}`;
  const forms: [string, unknown][] =
    typeof template === "object" && template !== null && !Array.isArray(template)
      ? Object.entries(template)
      : [["", template]];
  const problems: string[] = [];
  if (typeof template !== "string") {
    if (!spec.count) return [`${where}: must be a text (this message has no number to pick a plural form)`];
    const categories = new Intl.PluralRules(INTL_LOCALE[language]).resolvedOptions().pluralCategories as string[];
    if (!forms.some(([category]) => category === "other")) problems.push(`${where}: needs an "other" form`);
    for (const [category] of forms) {
      if (!categories.includes(category)) {
        problems.push(`${where}: "${category}" is not a plural form of ${language} (${categories.join(", ")})`);
      }
    }
  }
  for (const [category, text] of forms) {
    const at = category ? `${where}.${category}` : where;
    if (typeof text !== "string" || text.trim() === "") {
      problems.push(`${at}: must be a non-empty text`);
      continue;
    }
    const used = [...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
    for (const name of used) {
      if (!(spec.vars as readonly string[]).includes(name)) {
        const allowed = spec.vars.length ? spec.vars.map((v) => `{${v}}`).join(", ") : "none";
        problems.push(`${at}: unknown placeholder {${name}} (allowed: ${allowed})`);
      }
    }
    // A plural form may say "one try" in words; the other form must still carry each required value.
    if (category && category !== "other") continue;
    for (const name of spec.required ?? []) {
      if (!used.includes(name)) problems.push(`${at}: missing placeholder {${name}}`);
    }
  }
  return problems;
}

/** Every problem of a whole catalog set: each key present in each language and each text well formed. */
export function catalogProblems(catalogs: Catalogs): string[] {
  return LANGUAGES.flatMap((language) =>
    MESSAGE_KEYS.flatMap((key) =>
      catalogs[language][key] === undefined
        ? [`${language}.${key}: missing`]
        : templateProblems(language, key, catalogs[language][key]),
    ),
  );
}

/**
 * An operator's catalog file (MESSAGES_FILE) laid over the built-in catalogs: `{ "es": { "welcome": "…" } }`.
 * Anything wrong stops the start, naming the language and the key, never a broken SMS later.
 */
export function withOverrides(overrides: unknown, base: Catalogs = BUILT_IN_CATALOGS): Catalogs {
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw new CatalogError('must be a JSON object of languages, like { "es": { "welcome": "¡Hola!" } }');
  }
  const problems: string[] = [];
  const merged = Object.fromEntries(LANGUAGES.map((language) => [language, { ...base[language] }])) as Catalogs;
  for (const [language, texts] of Object.entries(overrides)) {
    if (!isLanguage(language)) {
      problems.push(`${language}: not a supported language (${LANGUAGES.join(", ")})`);
      continue;
    }
    if (typeof texts !== "object" || texts === null || Array.isArray(texts)) {
      problems.push(`${language}: must be an object of message keys`);
      continue;
    }
    for (const [key, template] of Object.entries(texts)) {
      if (!(MESSAGE_KEYS as string[]).includes(key)) {
        problems.push(`${language}.${key}: not a message key`);
        continue;
      }
      const found = templateProblems(language, key as MessageKey, template);
      problems.push(...found);
      if (found.length === 0) merged[language][key as MessageKey] = template as Template;
    }
  }
  if (problems.length > 0) throw new CatalogError(problems.join("\n"));
  return merged;
}
