import type { StateValue } from "xstate";
import { z } from "zod";
import { signupContextSchema } from "../../machines/context.js";
import {
  isRestingState,
  RESTING_VALUES,
  type RestingState,
  SIGNUP_MACHINE_VERSION,
  stateName,
} from "../../machines/signup.js";
import type { ConversationRecord } from "./ports.js";

const snapshotSchema = z.looseObject({
  status: z.literal("active"),
  // A resting state, exactly where the machine has it in its hierarchy.
  value: z.custom<StateValue>((value) => {
    const name = stateName(value as StateValue);
    return isRestingState(name) && JSON.stringify(value) === JSON.stringify(RESTING_VALUES[name]);
  }, "not a state a conversation rests in"),
  // The context a snapshot must carry to be restored; anything else starts over (xstate leaves migration to us).
  context: signupContextSchema,
});

/** The machine at a code send (its call in flight), as a turn records it before the send. */
const SENDING_CODE: StateValue = { signingUp: "sendingCode" };
const atSendSchema = snapshotSchema.extend({
  value: z.custom<StateValue>(
    (value) => JSON.stringify(value) === JSON.stringify(SENDING_CODE),
    "not the machine at a code send",
  ),
});

export type Restored =
  | { kind: "fresh" }
  /** state: the snapshot's resting state by name (its leaf). */
  | { kind: "restored"; state: RestingState | "sendingCode"; snapshot: z.infer<typeof snapshotSchema> }
  | { kind: "incompatible"; reason: string };

/**
 * A stored snapshot in the shape the running machine reads, or null where no migration is known. Version 1 had
 * no hierarchy: the same context, with its resting states at the top level ("awaitingCode"). Version 2 had no
 * email step: its states are where they were, and the context schema fills the step's fields in empty.
 */
function migrate(version: number, snapshot: unknown): unknown {
  if (version === SIGNUP_MACHINE_VERSION || version === 2) return snapshot;
  const value = (snapshot as { value?: unknown } | null)?.value;
  if (version === 1 && typeof value === "string" && isRestingState(value)) {
    return { ...(snapshot as object), value: RESTING_VALUES[value] };
  }
  return null;
}

/**
 * Decides whether a stored conversation can be resumed by the machine we run now; with `atSend`, the machine a dead
 * turn recorded at its code send (restored, it makes the call again: the engine answers it from the send's note).
 */
export function restoreSnapshot(record: ConversationRecord | null, atSend?: unknown): Restored {
  const stored = atSend ?? record?.snapshot;
  if (!record || stored === null || stored === undefined) return { kind: "fresh" };
  const snapshot = migrate(record.machineVersion, stored);
  if (snapshot === null) {
    return {
      kind: "incompatible",
      reason: `machine version ${record.machineVersion}, running ${SIGNUP_MACHINE_VERSION}`,
    };
  }
  const parsed = (atSend === undefined ? snapshotSchema : atSendSchema).safeParse(snapshot);
  if (!parsed.success) return { kind: "incompatible", reason: parsed.error.issues[0]?.message ?? "invalid snapshot" };
  return { kind: "restored", state: stateName(parsed.data.value) as RestingState, snapshot: parsed.data };
}
