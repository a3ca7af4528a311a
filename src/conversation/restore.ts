import { z } from "zod";
import { RESTING_STATES, SIGNUP_MACHINE_VERSION } from "../../machines/signup.js";
import type { SignupContext } from "../../machines/types.js";
import type { ConversationRecord } from "./ports.js";

const nullableNumber = z.number().nullable();

/** The context a snapshot must carry to be restored; anything else starts over (xstate leaves migration to us). */
const contextSchema = z.object({
  phone: z.string(),
  email: z.string().nullable(),
  emailAttempts: z.number(),
  wrongCodes: z.number(),
  codeExpiresAt: nullableNumber,
  lastSentAt: nullableNumber,
  sendTimes: z.array(z.number()),
  sendReason: z.enum(["start", "resend"]),
  ticket: z.string().nullable(),
  providerId: z.string().nullable(),
  startedAt: nullableNumber,
  now: z.number(),
  lastActivityAt: z.number(),
  verifiedAt: nullableNumber,
}) satisfies z.ZodType<SignupContext>;

const snapshotSchema = z.looseObject({
  status: z.literal("active"),
  value: z.enum(RESTING_STATES),
  context: contextSchema,
});

export type Restored =
  | { kind: "fresh" }
  | { kind: "restored"; snapshot: z.infer<typeof snapshotSchema> }
  | { kind: "incompatible"; reason: string };

/** Decides whether a stored conversation can be resumed by the machine we run now. */
export function restoreSnapshot(record: ConversationRecord | null): Restored {
  if (!record || record.snapshot === null || record.snapshot === undefined) return { kind: "fresh" };
  if (record.machineVersion !== SIGNUP_MACHINE_VERSION) {
    return {
      kind: "incompatible",
      reason: `machine version ${record.machineVersion}, running ${SIGNUP_MACHINE_VERSION}`,
    };
  }
  const parsed = snapshotSchema.safeParse(record.snapshot);
  if (!parsed.success) return { kind: "incompatible", reason: parsed.error.issues[0]?.message ?? "invalid snapshot" };
  return { kind: "restored", snapshot: parsed.data };
}

/** The part of the context an operator may see: no code handle. */
export function visibleContext(context: SignupContext): Omit<SignupContext, "ticket"> {
  const { ticket: _ticket, ...visible } = context;
  return visible;
}
