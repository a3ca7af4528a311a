import type { CheckCodeResult } from "../../machines/types.js";
import { CodeTickets, randomCode } from "../verification/code-hash.js";
import type { VerifyVerificationProvider } from "../verification/verify.js";

/** A new email code: the code for the email (null where the transport makes its own) and what the conversation keeps. */
export interface IssuedEmailCode {
  code: string | null;
  ticket: string;
}

/** Makes and checks the codes that prove an email address. */
export interface EmailCodes {
  issue(email: string): Promise<IssuedEmailCode>;
  check(input: { email: string; code: string; ticket: string | null }): Promise<CheckCodeResult>;
}

/** Our own codes: 6 digits from the CSPRNG, kept only as a salted hash bound to the address. */
export class HashedEmailCodes implements EmailCodes {
  constructor(
    private readonly tickets = new CodeTickets(),
    private readonly codeLength = 6,
  ) {}

  async issue(email: string): Promise<IssuedEmailCode> {
    const code = randomCode(this.codeLength);
    return { code, ticket: await this.tickets.issue(email, code) };
  }

  async check({ email, code, ticket }: { email: string; code: string; ticket: string | null }) {
    const matches = await this.tickets.matches(ticket, email, code);
    if (matches === null) return { status: "expired" as const };
    return { status: matches ? ("approved" as const) : ("wrong" as const) };
  }
}

export const VERIFY_TICKET = "verify";

/**
 * Verify's codes: Verify makes, emails and checks them; the conversation keeps only that Verify has one. Any other
 * ticket is one of ours (a decoy for an address with an account elsewhere), checked as ours: it never matches.
 */
export class VerifyEmailCodes implements EmailCodes {
  private readonly ours: HashedEmailCodes;

  constructor(
    private readonly verify: VerifyVerificationProvider,
    tickets?: CodeTickets,
  ) {
    this.ours = new HashedEmailCodes(tickets);
  }

  async issue(): Promise<IssuedEmailCode> {
    return { code: null, ticket: VERIFY_TICKET };
  }

  async check({ email, code, ticket }: { email: string; code: string; ticket: string | null }) {
    if (ticket !== VERIFY_TICKET) return this.ours.check({ email, code, ticket });
    return this.verify.check(email, code);
  }
}
