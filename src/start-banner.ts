import type { Config } from "./config.js";
import { LANGUAGES } from "./i18n/languages.js";

export interface Listening {
  /** Where the server listens, as a browser on this machine would open it. */
  url: string;
  dialect: "sqlite" | "postgres";
  migrationsApplied: readonly string[];
}

/** A database URL fit to print: the SQLite path as given, a PostgreSQL URL without its password. */
export function describeDatabase(databaseUrl: string, dialect: Listening["dialect"]): string {
  if (dialect === "sqlite") return `SQLite, ${databaseUrl.slice("file:".length)}`;
  try {
    const url = new URL(databaseUrl);
    return `PostgreSQL, ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
  } catch {
    return "PostgreSQL";
  }
}

const PROVIDERS: Record<Config["provider"], string> = {
  local: "local (codes are made here and sent as SMS)",
  verify: "Twilio Verify",
  authy: "Authy (legacy API)",
};

/** Where people can write from, and where WhatsApp would need a setting first. */
function channels(config: Config): string {
  const calls = config.twilio.lookupLineType ? "; landlines are looked up and called" : "";
  if (config.localMode) return `SMS and WhatsApp (printed below), codes by call too${calls}`;
  if (config.twilio.whatsappNumber) return `SMS, and WhatsApp from ${config.twilio.whatsappNumber}${calls}`;
  if (config.twilio.messagingServiceSid) return `SMS, and WhatsApp through your Messaging Service${calls}`;
  return `SMS only: WhatsApp needs TWILIO_WHATSAPP_NUMBER${calls}`;
}

/** What a person at a terminal needs after `npm start`: where it runs, how it is set up, what to try next. */
export function startBanner(config: Config, listening: Listening): string {
  const rows: [string, string][] = [
    [
      "mode",
      config.localMode
        ? "local: no Twilio account; the SMS it would send are printed below, codes included"
        : "production: SMS go through your Twilio account",
    ],
    ["provider", PROVIDERS[config.provider]],
    ["channels", channels(config)],
    [
      "languages",
      `${LANGUAGES.join(", ")} by the phone's country or LANG, else ${config.defaultLanguage}${config.messagesFile ? `; texts from ${config.messagesFile}` : ""}`,
    ],
    [
      "database",
      `${describeDatabase(config.databaseUrl, listening.dialect)}${listening.migrationsApplied.length > 0 ? ` (${listening.migrationsApplied.length} migrations applied)` : ""}`,
    ],
    [
      "operators",
      config.adminToken
        ? `${listening.url}/admin (sign in with ADMIN_TOKEN)`
        : "off: export ADMIN_TOKEN=$(openssl rand -hex 24), restart, then open /admin",
    ],
    ["webhook", `Twilio posts incoming SMS to ${config.publicUrl}/sms`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    "",
    `sms-signup is running at ${listening.url}`,
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
    "",
    config.localMode
      ? "Next: in another terminal, text it from a pretend phone: npm run chat -- +15551234567"
      : "Next: text SIGNUP to your Twilio number.",
    "Ctrl-C stops it.",
    "",
  ].join("\n");
}
