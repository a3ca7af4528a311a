// The sign-up machine's context, declared once: its TypeScript type, the check a stored snapshot must pass to be
// restored (src/conversation/restore.ts) and the operator's view of it (src/admin/schemas.ts) all come from here.
import { z } from "zod";

/** A point in time, milliseconds since the epoch. */
const instant = z.number();

export const signupContextSchema = z.object({
  phone: z.string(),
  email: z.string().nullable(),
  emailAttempts: z.number(),
  /** Wrong guesses against the live code; RESEND does not reset it, only a fresh code after exhaustion or expiry. */
  wrongCodes: z.number(),
  codeExpiresAt: instant.nullable(),
  lastSentAt: instant.nullable(),
  /** Send times inside the current window: the per-phone send cap survives restarts of the conversation. */
  sendTimes: z.array(instant),
  /** Whether the pending send is the first one for this email, a RESEND, or a CALL (the code read out). */
  sendReason: z.enum(["start", "resend", "call"]),
  /** A common domain's spelling of the email they sent ("Did you mean …?"), until YES or another email. Added
   * without a version bump: a snapshot from before has no suggestion pending. */
  suggestedEmail: z.string().nullable().default(null),
  /** The provider's opaque handle for the live code (e.g. the local provider's salted hash). Never shown. */
  ticket: z.string().nullable(),
  /** The provider's id for this person (Authy's authy_id). */
  providerId: z.string().nullable(),
  startedAt: instant.nullable(),
  /** The time of the event being handled; deadlines are computed from it, never from timers. */
  now: instant,
  lastActivityAt: instant,
  verifiedAt: instant.nullable(),
  // The email step (EMAIL_VERIFICATION=code), added in version 3; a version 2 snapshot restores with these empty.
  /** When the phone's code was right; the sign-up is complete only once the email is proven too. */
  phoneVerifiedAt: instant.nullable().default(null),
  /** The salted hash of the live email code (or "verify": Verify holds it). Never shown. */
  emailTicket: z.string().nullable().default(null),
  emailCodeExpiresAt: instant.nullable().default(null),
  /** Wrong guesses against the live email code, counted like wrongCodes. */
  emailWrongCodes: z.number().default(0),
  /** Whether the pending email send is the first for this address or a RESEND. */
  emailSendReason: z.enum(["start", "resend"]).default("start"),
  emailVerifiedAt: instant.nullable().default(null),
});

export type SignupContext = z.infer<typeof signupContextSchema>;

/** The fields that hold instants (alone, nullable or in a list): an operator reads them as ISO 8601. */
export const CONTEXT_INSTANTS = [
  "codeExpiresAt",
  "lastSentAt",
  "sendTimes",
  "startedAt",
  "now",
  "lastActivityAt",
  "verifiedAt",
  "phoneVerifiedAt",
  "emailCodeExpiresAt",
  "emailVerifiedAt",
] as const satisfies readonly (keyof SignupContext)[];

/** Left out of the operator's view: the code's handle is a secret; `now` is the machine's clock, not a fact. */
export const CONTEXT_HIDDEN = ["ticket", "emailTicket", "now"] as const satisfies readonly (keyof SignupContext)[];
