// The operator API's contract: every response is parsed with these before it leaves, and the OpenAPI document is
// generated from the same schemas, so the description cannot drift from what is served.
import { z } from "zod";
import { CHANNELS } from "../../machines/channels.js";
import { CONTEXT_HIDDEN, CONTEXT_INSTANTS, type SignupContext, signupContextSchema } from "../../machines/context.js";
import { RESTING_STATES } from "../../machines/signup.js";
import { E164 } from "../conversation/phone.js";
import { LANGUAGES } from "../i18n/languages.js";
import { pathParam, queryParam } from "./openapi-parts.js";

/** Every named schema, for the OpenAPI document's components. */
const registry = z.registry<{ id: string }>();

const instant = z.iso.datetime().describe("ISO 8601, UTC");
/** The last millisecond of the year 9999: every instant we take or give lies in [0, MAX_INSTANT]. */
export const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const isInstant = (ms: number) => Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_INSTANT;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Query instants: ISO 8601 or milliseconds since the epoch, from 1970 to the year 9999 (what a column can hold). */
const instantParam = z.string().transform((value, ctx) => {
  // Date.parse alone takes nearly anything ("-5" is May 2001): only the ISO 8601 shape goes to it.
  const ms = /^\d+$/.test(value) ? Number(value) : ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
  if (!isInstant(ms)) {
    ctx.addIssue({
      code: "custom",
      message: "must be an ISO 8601 time or milliseconds since the epoch, between 1970 and 9999",
    });
    return z.NEVER;
  }
  return ms;
});

/** Text compared in SQL: PostgreSQL refuses a NUL in text, so it is a 400 here rather than a 500 there. */
const noNul = (text: string) => !text.includes("\u0000");

export const phoneParam = z.string().regex(E164, "must be an E.164 number like +15551234567 (URL-encode the +)");
/** A conversation is stored only in a state where the person is awaited (a provider call never outlives a turn). */
export const stateName = z.enum(RESTING_STATES);

export const listQuery = z.object({
  state: stateName.optional(),
  optedOut: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine(noNul, "must not contain a NUL character")
    .optional()
    .describe("a fragment of the phone or the email"),
  activeAfter: instantParam.optional(),
  activeBefore: instantParam.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.infer<typeof listQuery>;

export const detailQuery = z.object({
  before: z.string().max(200).optional().describe("`older` of the previous page"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const statsQuery = z.object({ from: instantParam.optional(), to: instantParam.optional() });

export const errorSchema = z.object({ error: z.string() }).register(registry, { id: "Error" });

/** How the bot speaks to a phone: in which language, and on which channel. */
const speechFields = {
  language: z.enum(LANGUAGES).describe("the language the bot writes in: the person's choice, else their country's"),
  languageChosen: z.boolean().describe("true: the person chose it (LANG, a language's keyword)"),
  channel: z.enum(CHANNELS).describe("the channel they last wrote on; replies and the success message go there"),
};

export const conversationSummary = z
  .object({
    phone: z.string(),
    state: z.string(),
    optedOut: z.boolean(),
    ...speechFields,
    email: z.string().nullable(),
    verified: z.boolean(),
    createdAt: instant,
    lastActivityAt: instant,
  })
  .register(registry, { id: "ConversationSummary" });

export const conversationList = z
  .object({
    items: z.array(conversationSummary),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last page"),
  })
  .register(registry, { id: "ConversationList" });

type Field = z.ZodType;
const instantFields: readonly string[] = CONTEXT_INSTANTS;
const isInstantField = (key: string) => instantFields.includes(key);
const hiddenFields: readonly string[] = CONTEXT_HIDDEN;

type Iso<T> = T extends number[] ? string[] : T extends number ? string : T;
/** SignupContext as an operator reads it (see operatorContext). */
export type OperatorContext = {
  [K in Exclude<keyof SignupContext, (typeof CONTEXT_HIDDEN)[number]>]: K extends (typeof CONTEXT_INSTANTS)[number]
    ? Iso<SignupContext[K]>
    : SignupContext[K];
};

/** A context field as an operator reads it: an instant (alone, nullable or in a list) as ISO 8601, else as it is. */
function operatorField(key: string, field: Field): Field {
  if (!isInstantField(key)) return field;
  // A field added after the first version has a default (for older snapshots); the operator sees it filled in.
  if (field instanceof z.ZodDefault) return operatorField(key, field.unwrap() as Field);
  if (field instanceof z.ZodArray) return z.array(instant);
  if (field instanceof z.ZodNullable) return instant.nullable();
  return instant;
}

/**
 * The context an operator may see, derived from the machine's one context schema: what it hides (the code's
 * handle) is left out, instants read as ISO 8601, and a field the machine gains appears here by itself.
 */
export const operatorContext = z
  .strictObject(
    Object.fromEntries(
      Object.entries(signupContextSchema.shape)
        .filter(([key]) => !hiddenFields.includes(key))
        .map(([key, field]) => [key, operatorField(key, field)]),
    ),
  )
  .register(registry, { id: "VisibleContext" }) as unknown as z.ZodType<OperatorContext>;

/** The operator's view of one context, in the shape of operatorContext. */
export function toOperatorContext(context: SignupContext): OperatorContext {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (hiddenFields.includes(key)) continue;
    if (!isInstantField(key) || value === null) view[key] = value;
    else view[key] = Array.isArray(value) ? value.map((ms: number) => toIso(ms)) : toIso(value as number);
  }
  return view as OperatorContext;
}

export const userSchema = z
  .object({
    email: z.string(),
    countryCode: z.string(),
    nationalNumber: z.string(),
    providerId: z.string().nullable(),
    verifiedAt: instant.nullable(),
    emailVerifiedAt: instant
      .nullable()
      .describe("when the email was proven by an emailed code (EMAIL_VERIFICATION=code); null: only typed"),
    createdAt: instant,
  })
  .register(registry, { id: "User" });

export const transcriptEntry = z
  .object({
    id: z.number(),
    direction: z.enum(["in", "out"]),
    channel: z
      .enum(["webhook", "twiml", "api", "email"])
      .describe("how it passed: our webhook, a TwiML reply, the REST API, or an email of the email step"),
    medium: z
      .enum([...CHANNELS, "call", "email"])
      .describe("what the person got it on: sms, whatsapp, a call or email"),
    body: z.string().describe("one-time codes are masked"),
    status: z.string().describe("delivery status: received, replied, pending, queued, sent, delivered, failed…"),
    errorCode: z.number().nullable(),
    errorMessage: z.string().nullable(),
    at: instant,
    updatedAt: instant,
  })
  .register(registry, { id: "TranscriptEntry" });

export const timelineEntry = z
  .object({ id: z.number(), from: z.string(), event: z.string(), to: z.string(), at: instant })
  .register(registry, { id: "TimelineEntry" });

export const conversationDetail = z
  .object({
    phone: z.string(),
    state: z.string(),
    optedOut: z.boolean(),
    ...speechFields,
    machineVersion: z.number(),
    createdAt: instant,
    updatedAt: instant,
    lastActivityAt: instant,
    context: operatorContext.nullable().describe("null before the first message reached the machine"),
    user: userSchema.nullable(),
    transcript: z.array(transcriptEntry).describe("the newest `limit` lines before `before`, oldest first"),
    timeline: z.array(timelineEntry).describe("the newest `limit` transitions before `before`, oldest first"),
    older: z
      .string()
      .nullable()
      .describe("pass as `before` for the older transcript and timeline; null when both are complete"),
  })
  .register(registry, { id: "ConversationDetail" });

export const resetResult = z.object({ phone: z.string(), state: z.string() }).register(registry, { id: "ResetResult" });

export const erasureResult = z
  .object({
    erased: z.literal(true),
    removed: z.object({
      conversations: z.number(),
      messages: z.number(),
      transitions: z.number(),
      users: z.number(),
      webhookClaims: z.number(),
      emails: z.number(),
    }),
  })
  .register(registry, { id: "ErasureResult" });

export const erasureList = z
  .object({
    items: z.array(
      z.object({
        id: z.number(),
        phoneHint: z.string(),
        operator: z.string(),
        erasedAt: instant,
        removed: z.record(z.string(), z.number()),
      }),
    ),
  })
  .register(registry, { id: "ErasureList" });

const funnelStep = z.object({
  step: z.enum(["started", "emailGiven", "codeSent", "verified"]),
  count: z.number(),
  /** Share of the previous step that reached this one; null when the previous step is 0. */
  rateFromPrevious: z.number().nullable(),
  rateFromStart: z.number().nullable(),
});

export const statsSchema = z
  .object({
    window: z.object({ from: instant, to: instant }),
    byState: z.record(z.string(), z.number()).describe("all conversations now, by state"),
    optedOut: z.number(),
    funnel: z
      .array(funnelStep)
      .describe("phones that texted SIGNUP within the window, and how far they got by its end"),
    medianSignupToVerifiedMs: z.number().nullable(),
    verifiedSamples: z.number(),
  })
  .register(registry, { id: "Stats" });

export const toIso = (ms: number) => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));

/** OpenAPI 3.1 uses JSON Schema 2020-12, which is what zod emits. */
export function openApiDocument(serverUrl: string) {
  const components = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
    io: "output",
  });
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const json = (id: string, description: string) => ({
    description,
    content: { "application/json": { schema: ref(id) } },
  });
  const errors = {
    "400": json("Error", "invalid parameters"),
    "401": json("Error", "no or wrong bearer token"),
    "403": json("Error", "operator access is disabled: ADMIN_TOKEN is not set"),
  };
  const phone = pathParam("phone", { type: "string" }, "E.164, URL-encoded (%2B15551234567)");
  const param = queryParam;
  return {
    openapi: "3.1.0",
    info: {
      title: "sms-signup operator API",
      version: "1",
      description: [
        "Everything the operator pages show and do, as JSON: find people's sign-up conversations, read one (where it",
        "stands, what was texted, each step it took), send one back to the start, or erase a person's data for a",
        "privacy request. The figures behind the sign-up funnel are here too.",
        "",
        "**Authentication**: send `Authorization: Bearer <ADMIN_TOKEN>`, the token the service was started with",
        "(`openssl rand -hex 24` makes one; see the README). In the API reference page, press **Authorize** and",
        "paste it. Without ADMIN_TOKEN set, every route answers 403.",
        "",
        "**Phones** are E.164 (`+15551234567`); in a path, URL-encode the `+` as `%2B`. **Times** are ISO 8601 in",
        "UTC; query times also take milliseconds since the epoch. **Lists** come newest activity first, a page at a",
        "time: pass `nextCursor` back as `cursor` for the next page.",
        "",
        "Codes are never shown: the transcript masks them, and the context leaves out the code handle.",
      ].join("\n"),
    },
    servers: [{ url: `${serverUrl}/admin/api` }],
    security: [{ bearer: [] }],
    paths: {
      "/conversations": {
        get: {
          summary: "List conversations, newest activity first",
          parameters: [
            param("state", "only this state", { type: "string", enum: [...RESTING_STATES] }),
            param("optedOut", "only opted out (true) or not (false)", { type: "string", enum: ["true", "false"] }),
            param("q", "a fragment of the phone or the email"),
            param("activeAfter", "last activity at or after (ISO 8601 or ms)"),
            param("activeBefore", "last activity before (ISO 8601 or ms)"),
            param("limit", "page size, 1–100", { type: "integer", default: 25 }),
            param("cursor", "nextCursor of the previous page"),
          ],
          responses: { "200": json("ConversationList", "a page"), ...errors },
        },
      },
      "/conversations/{phone}": {
        get: {
          summary: "One conversation: state, visible context, user, and a page of its transcript and timeline",
          parameters: [
            phone,
            param("before", "`older` of the previous page"),
            param("limit", "lines per page, 1–500", { type: "integer", default: 100 }),
          ],
          responses: {
            "200": json("ConversationDetail", "the conversation"),
            "404": json("Error", "no such conversation"),
            ...errors,
          },
        },
        delete: {
          summary: "Erase everything kept about this phone (privacy request); an erasure record stays",
          parameters: [phone],
          responses: {
            "200": json("ErasureResult", "erased"),
            "404": json("Error", "no such conversation"),
            ...errors,
          },
        },
      },
      "/conversations/{phone}/reset": {
        post: {
          summary: "Back to the start; recorded in the timeline as an operator action",
          parameters: [phone],
          responses: { "200": json("ResetResult", "reset"), "404": json("Error", "no such conversation"), ...errors },
        },
      },
      "/erasures": {
        get: {
          summary: "The record of erasures",
          responses: { "200": json("ErasureList", "every erasure, newest first"), ...errors },
        },
      },
      "/stats": {
        get: {
          summary: "Conversations by state; the sign-up funnel and median time to verified within a window",
          parameters: [
            param("from", "window start (ISO 8601 or ms); default 7 days before `to`"),
            param("to", "window end (ISO 8601 or ms); default now"),
          ],
          responses: { "200": json("Stats", "the figures"), ...errors },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "the service's ADMIN_TOKEN, as a bearer token" },
      },
      // Each schema's own $schema/$id are redundant inside an OpenAPI document.
      schemas: Object.fromEntries(
        Object.entries(components.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
      ),
    },
  };
}
