import type { StateValue } from "xstate";
import { z } from "zod";
import {
  isRestingState,
  RESTING_VALUES,
  type RestingState,
  SIGNUP_MACHINE_VERSION,
  stateName,
} from "../../machines/signup.js";
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
  // A resting state, exactly where the machine has it in its hierarchy.
  value: z.custom<StateValue>((value) => {
    const name = stateName(value as StateValue);
    return isRestingState(name) && JSON.stringify(value) === JSON.stringify(RESTING_VALUES[name]);
  }, "not a state a conversation rests in"),
  context: contextSchema,
});

export type Restored =
  | { kind: "fresh" }
  /** state: the snapshot's resting state by name (its leaf). */
  | { kind: "restored"; state: RestingState; snapshot: z.infer<typeof snapshotSchema> }
  | { kind: "incompatible"; reason: string };

/**
 * A stored snapshot in the shape the running machine reads, or null where no migration is known. Version 1 had
 * no hierarchy: the same context, with its resting states at the top level ("awaitingCode").
 */
function migrate(version: number, snapshot: unknown): unknown {
  if (version === SIGNUP_MACHINE_VERSION) return snapshot;
  const value = (snapshot as { value?: unknown } | null)?.value;
  if (version === 1 && typeof value === "string" && isRestingState(value)) {
    return { ...(snapshot as object), value: RESTING_VALUES[value] };
  }
  return null;
}

/** Decides whether a stored conversation can be resumed by the machine we run now. */
export function restoreSnapshot(record: ConversationRecord | null): Restored {
  if (!record || record.snapshot === null || record.snapshot === undefined) return { kind: "fresh" };
  const snapshot = migrate(record.machineVersion, record.snapshot);
  if (snapshot === null) {
    return {
      kind: "incompatible",
      reason: `machine version ${record.machineVersion}, running ${SIGNUP_MACHINE_VERSION}`,
    };
  }
  const parsed = snapshotSchema.safeParse(snapshot);
  if (!parsed.success) return { kind: "incompatible", reason: parsed.error.issues[0]?.message ?? "invalid snapshot" };
  return { kind: "restored", state: stateName(parsed.data.value) as RestingState, snapshot: parsed.data };
}

/** The part of the context an operator may see: no code handle. */
export function visibleContext(context: SignupContext): Omit<SignupContext, "ticket"> {
  const { ticket: _ticket, ...visible } = context;
  return visible;
}
