import { getCountries, parsePhoneNumberFromString } from "libphonenumber-js/min";
import { z } from "zod";
import { DEFAULT_LIMITS } from "../machines/types.js";
import { E164 } from "./conversation/phone.js";
import { SENDGRID_API_URL } from "./email/sendgrid-sender.js";
import { LANGUAGES } from "./i18n/languages.js";

// Dev credentials for local mode: the account SID has the shape the twilio SDK insists on, and the token signs
// webhooks from `npm run chat` and the tests. Neither reaches Twilio.
export const LOCAL_ACCOUNT_SID = `AC${"0".repeat(32)}`;
export const LOCAL_AUTH_TOKEN = "local-dev-auth-token";

const seconds = (fallbackMs: number) =>
  z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .transform((value) => (value === undefined ? fallbackMs : value * 1000));
const count = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .transform((value) => value ?? fallback);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));
const optionalUrl = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim().replace(/\/+$/, "")))
  .pipe(z.url({ protocol: /^https?$/ }).optional());

const flag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((value) => value === "true" || value === "1");
/** A cap per hour; 0 turns it off. */
const hourlyCap = (fallback: number) =>
  z.coerce
    .number({ error: "must be a whole number (0 turns it off)" })
    .int({ error: "must be a whole number (0 turns it off)" })
    .min(0, { error: "must be a whole number (0 turns it off)" })
    .optional()
    .transform((value) => value ?? fallback);
const KNOWN_COUNTRIES = new Set<string>(getCountries());

const envSchema = z
  .object({
    PORT: z.coerce
      .number({ error: "must be a whole number from 0 to 65535" })
      .int({ error: "must be a whole number from 0 to 65535" })
      .min(0, { error: "must be a whole number from 0 to 65535" })
      .max(65535, { error: "must be a whole number from 0 to 65535" })
      .default(3000),
    HOST: z.string().default("127.0.0.1"),
    PUBLIC_URL: optionalUrl,
    DATABASE_URL: z
      .string()
      .default("file:./data/sms-signup.sqlite")
      .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), "must start with file: or postgres://"),
    TWILIO_ACCOUNT_SID: optionalString.pipe(
      z
        .string()
        .regex(/^AC[0-9a-fA-F]{32}$/, "must be AC followed by 32 hex digits")
        .optional(),
    ),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_PHONE_NUMBER: optionalString.pipe(z.string().regex(E164, "must be E.164, like +15551234567").optional()),
    TWILIO_MESSAGING_SERVICE_SID: optionalString.pipe(
      z
        .string()
        .regex(/^MG[0-9a-fA-F]{32}$/, "must be MG followed by 32 hex digits")
        .optional(),
    ),
    VERIFICATION_PROVIDER: z.enum(["local", "verify", "authy"]).default("local"),
    TWILIO_VERIFY_SERVICE_SID: optionalString.pipe(
      z
        .string()
        .regex(/^VA[0-9a-fA-F]{32}$/, "must be VA followed by 32 hex digits")
        .optional(),
    ),
    AUTHY_API_KEY: optionalString,
    TWILIO_API_BASE_URL: optionalUrl,
    AUTHY_API_URL: optionalUrl.transform((url) => url ?? "https://api.authy.com"),
    ADMIN_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    SIGNUP_KEYWORDS: z
      .string()
      .default("SIGNUP")
      .transform((words) =>
        words
          .split(",")
          .map((word) => word.trim().toUpperCase())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[A-Z0-9]+$/, "each keyword is one word of letters or digits"))
          .min(1, "needs at least one word"),
      ),
    OUTBOUND_TIMEOUT_MS: count(5000).pipe(
      z.number().max(11_000, "must stay under the 12 s turn timeout (at most 11000)"),
    ),
    // Retries of one outbound call end within this; the engine abandons a turn at 12 s, Twilio waits 15 s.
    OUTBOUND_DEADLINE_MS: count(9000).pipe(
      z.number().max(11_000, "must stay under the 12 s turn timeout (at most 11000)"),
    ),
    CODE_TTL_SECONDS: seconds(DEFAULT_LIMITS.codeTtlMs),
    MAX_WRONG_CODES: count(DEFAULT_LIMITS.maxWrongCodes),
    RESEND_COOLDOWN_SECONDS: seconds(DEFAULT_LIMITS.resendCooldownMs),
    MAX_SENDS_PER_WINDOW: count(DEFAULT_LIMITS.maxSendsPerWindow),
    SEND_WINDOW_SECONDS: seconds(DEFAULT_LIMITS.sendWindowMs),
    MAX_EMAIL_ATTEMPTS: count(DEFAULT_LIMITS.maxEmailAttempts),
    IDLE_TIMEOUT_SECONDS: seconds(DEFAULT_LIMITS.idleTimeoutMs),
    // The WhatsApp sender, with or without its "whatsapp:" prefix; stored with it, as Twilio wants it in From.
    TWILIO_WHATSAPP_NUMBER: optionalString
      .transform((value) => value?.replace(/^whatsapp:/i, ""))
      .pipe(z.string().regex(E164, "must be whatsapp: and an E.164 number, like whatsapp:+15551234567").optional())
      .transform((value) => (value ? `whatsapp:${value}` : undefined)),
    // Ask Twilio Lookup v2 for the line type before the first code: a landline is called instead of texted.
    LOOKUP_LINE_TYPE: z
      .enum(["true", "false", "1", "0", ""], { error: "must be true or false" })
      .optional()
      .transform((value) => value === "true" || value === "1"),
    DEFAULT_LANGUAGE: z
      .string()
      .optional()
      .transform((value) => (value?.trim() ? value.trim().toLowerCase() : "en"))
      .pipe(z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(", ")}` })),
    MESSAGES_FILE: optionalString,
    EMAIL_VERIFICATION: z.enum(["code", "off"], { error: "must be code or off" }).default("off"),
    EMAIL_FROM: optionalString,
    EMAIL_SMTP_URL: optionalString.pipe(
      z
        .string()
        .regex(/^smtps?:\/\/[^/\s]+/, "must be smtp://user:pass@host:port or smtps://…")
        .optional(),
    ),
    SENDGRID_API_KEY: optionalString,
    SENDGRID_API_URL: optionalUrl.transform((url) => url ?? SENDGRID_API_URL),
    SIGNUP_WEBHOOK_URL: optionalUrl,
    // Standard Webhooks secrets are "whsec_" and base64 of 24 to 64 random bytes.
    SIGNUP_WEBHOOK_SECRET: optionalString.pipe(
      z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "must be whsec_ followed by base64 of 24 to 64 random bytes")
        .optional(),
    ),
    SUCCESS_AFTER_WEBHOOK: flag,
    WEBHOOK_GIVE_UP_AFTER_SECONDS: seconds(24 * 60 * 60_000),
    METRICS_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    ALLOWED_COUNTRIES: optionalString.transform((list) =>
      list === undefined
        ? undefined
        : list
            .split(",")
            .map((code) => code.trim().toUpperCase())
            .filter(Boolean),
    ),
    CODES_PER_PREFIX_PER_HOUR: hourlyCap(20),
    CODES_PER_COUNTRY_PER_HOUR: hourlyCap(200),
    CODES_PER_HOUR: hourlyCap(1000),
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.SIGNUP_WEBHOOK_URL && !env.SIGNUP_WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SIGNUP_WEBHOOK_SECRET"], message: "is required with SIGNUP_WEBHOOK_URL" });
    }
    if (env.SUCCESS_AFTER_WEBHOOK && !env.SIGNUP_WEBHOOK_URL) {
      ctx.addIssue({ code: "custom", path: ["SUCCESS_AFTER_WEBHOOK"], message: "needs SIGNUP_WEBHOOK_URL" });
    }
    for (const code of env.ALLOWED_COUNTRIES ?? []) {
      if (!KNOWN_COUNTRIES.has(code)) {
        ctx.addIssue({ code: "custom", path: ["ALLOWED_COUNTRIES"], message: `${code} is not an ISO country code` });
      }
    }
    const hasSid = env.TWILIO_ACCOUNT_SID !== undefined;
    const hasToken = env.TWILIO_AUTH_TOKEN !== undefined;
    if (hasSid !== hasToken) {
      ctx.addIssue({
        code: "custom",
        path: [hasSid ? "TWILIO_AUTH_TOKEN" : "TWILIO_ACCOUNT_SID"],
        message: "is required with the other Twilio credential",
      });
    }
    if (hasSid && hasToken && !env.TWILIO_PHONE_NUMBER && !env.TWILIO_MESSAGING_SERVICE_SID) {
      ctx.addIssue({
        code: "custom",
        path: ["TWILIO_PHONE_NUMBER"],
        message: "or TWILIO_MESSAGING_SERVICE_SID is required to send SMS",
      });
    }
    if (env.VERIFICATION_PROVIDER === "verify" && !env.TWILIO_VERIFY_SERVICE_SID) {
      ctx.addIssue({
        code: "custom",
        path: ["TWILIO_VERIFY_SERVICE_SID"],
        message: "is required when VERIFICATION_PROVIDER=verify",
      });
    }
    if (env.VERIFICATION_PROVIDER === "verify" && !hasSid) {
      ctx.addIssue({
        code: "custom",
        path: ["TWILIO_ACCOUNT_SID"],
        message: "is required when VERIFICATION_PROVIDER=verify",
      });
    }
    if (env.LOOKUP_LINE_TYPE && !hasSid) {
      ctx.addIssue({ code: "custom", path: ["LOOKUP_LINE_TYPE"], message: "needs Twilio credentials" });
    }
    checkEmailTransport(env, ctx);
    if (env.VERIFICATION_PROVIDER === "authy" && !env.AUTHY_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTHY_API_KEY"],
        message: "is required when VERIFICATION_PROVIDER=authy",
      });
    }
  });

/** Which transport the email step has, and that it can send: SMTP or SendGrid (one), or Verify's email channel. */
function checkEmailTransport(
  env: {
    EMAIL_VERIFICATION: "code" | "off";
    EMAIL_FROM?: string | undefined;
    EMAIL_SMTP_URL?: string | undefined;
    SENDGRID_API_KEY?: string | undefined;
    VERIFICATION_PROVIDER: string;
    TWILIO_ACCOUNT_SID?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (env.EMAIL_SMTP_URL && env.SENDGRID_API_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["SENDGRID_API_KEY"],
      message: "set only one of EMAIL_SMTP_URL and SENDGRID_API_KEY",
    });
  }
  if ((env.EMAIL_SMTP_URL || env.SENDGRID_API_KEY) && !env.EMAIL_FROM) {
    ctx.addIssue({ code: "custom", path: ["EMAIL_FROM"], message: "is required to send email (the sender's address)" });
  }
  const localMode = env.TWILIO_ACCOUNT_SID === undefined;
  const hasTransport = Boolean(env.EMAIL_SMTP_URL || env.SENDGRID_API_KEY) || env.VERIFICATION_PROVIDER === "verify";
  if (env.EMAIL_VERIFICATION === "code" && !localMode && !hasTransport) {
    ctx.addIssue({
      code: "custom",
      path: ["EMAIL_SMTP_URL"],
      message: "or SENDGRID_API_KEY is required when EMAIL_VERIFICATION=code (or VERIFICATION_PROVIDER=verify)",
    });
  }
}

export type Env = z.input<typeof envSchema>;

/** Every setting's name: what `npm run dev:worker` passes on to the Worker as vars. */
export const SETTING_NAMES = Object.keys(envSchema.shape);

export function parseConfig(env: Record<string, string | undefined>) {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "config"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  const localMode = e.TWILIO_ACCOUNT_SID === undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    databaseUrl: e.DATABASE_URL,
    /** No Twilio credentials: codes from the local provider, outbound SMS to the log. */
    localMode,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID ?? LOCAL_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN ?? LOCAL_AUTH_TOKEN,
      phoneNumber: e.TWILIO_PHONE_NUMBER,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      verifyServiceSid: e.TWILIO_VERIFY_SERVICE_SID,
      whatsappNumber: e.TWILIO_WHATSAPP_NUMBER,
      lookupLineType: e.LOOKUP_LINE_TYPE,
    },
    defaultLanguage: e.DEFAULT_LANGUAGE,
    /** An operator's catalog file laid over the built-in texts; read and checked by the entry at start. */
    messagesFile: e.MESSAGES_FILE,
    provider: e.VERIFICATION_PROVIDER,
    authy: { apiKey: e.AUTHY_API_KEY, apiUrl: e.AUTHY_API_URL },
    adminToken: e.ADMIN_TOKEN,
    signupKeywords: e.SIGNUP_KEYWORDS,
    outboundTimeoutMs: e.OUTBOUND_TIMEOUT_MS,
    outboundDeadlineMs: Math.max(e.OUTBOUND_TIMEOUT_MS, e.OUTBOUND_DEADLINE_MS),
    limits: {
      codeTtlMs: e.CODE_TTL_SECONDS,
      maxWrongCodes: e.MAX_WRONG_CODES,
      resendCooldownMs: e.RESEND_COOLDOWN_SECONDS,
      maxSendsPerWindow: e.MAX_SENDS_PER_WINDOW,
      sendWindowMs: e.SEND_WINDOW_SECONDS,
      maxEmailAttempts: e.MAX_EMAIL_ATTEMPTS,
      idleTimeoutMs: e.IDLE_TIMEOUT_SECONDS,
    },
    /** The product's endpoint (Standard Webhooks); null: the product is not told. */
    webhook: e.SIGNUP_WEBHOOK_URL
      ? {
          url: e.SIGNUP_WEBHOOK_URL,
          secret: e.SIGNUP_WEBHOOK_SECRET ?? "",
          successAfterWebhook: e.SUCCESS_AFTER_WEBHOOK,
          giveUpAfterMs: e.WEBHOOK_GIVE_UP_AFTER_SECONDS,
        }
      : null,
    metricsToken: e.METRICS_TOKEN,
    sendGuard: {
      /** Null: every country (no sending number to take the country from, and none listed). */
      allowedCountries: e.ALLOWED_COUNTRIES ?? countryOf(e.TWILIO_PHONE_NUMBER),
      perPrefixPerHour: e.CODES_PER_PREFIX_PER_HOUR,
      perCountryPerHour: e.CODES_PER_COUNTRY_PER_HOUR,
      perHour: e.CODES_PER_HOUR,
    },
    email: {
      verification: e.EMAIL_VERIFICATION,
      from: e.EMAIL_FROM ?? "sms-signup <no-reply@localhost>",
      smtpUrl: e.EMAIL_SMTP_URL,
      sendgrid: { apiKey: e.SENDGRID_API_KEY, apiUrl: e.SENDGRID_API_URL },
    },
    logLevel: e.LOG_LEVEL,
  };
}

export type Config = ReturnType<typeof parseConfig>;

/** The sending number's country, the default of ALLOWED_COUNTRIES. */
function countryOf(phone: string | undefined): string[] | null {
  const country = phone ? parsePhoneNumberFromString(phone)?.country : undefined;
  return country ? [country] : null;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}
