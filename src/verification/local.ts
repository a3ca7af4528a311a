import type { CheckCodeInput, CheckCodeResult, SendCodeInput, SendCodeResult } from "../../machines/types.js";
import { maskCodes } from "../conversation/mask.js";
import { SmsSendError, type SmsSender, type VerificationProvider } from "../conversation/ports.js";
import { codeTicket, matchesTicket, randomCode } from "./code-hash.js";

/** Failures of the SMS that carries a code, in the conversation's terms. */
export function sendFailure(error: unknown): SendCodeResult {
  if (error instanceof SmsSendError) {
    if (error.code === 21211 || error.code === 21614 || error.code === 21612 || error.code === 21635)
      return { status: "undeliverable" };
    if (error.code === 21610 || error.code === 21408) return { status: "blocked" };
  }
  return { status: "unavailable" };
}

export interface LocalProviderOptions {
  sender: SmsSender;
  codeLength?: number;
  codeTtlMs: number;
}

/**
 * The built-in provider: 6-digit codes from the CSPRNG, sent through our own SMS sender, kept only as a salted
 * SHA-256 in the conversation's ticket. A new send always makes a new code (the old hash is replaced).
 */
export class LocalVerificationProvider implements VerificationProvider {
  readonly name = "local" as const;
  private readonly codeLength: number;

  constructor(private readonly options: LocalProviderOptions) {
    this.codeLength = options.codeLength ?? 6;
  }

  async sendCode(input: SendCodeInput): Promise<SendCodeResult> {
    const code = randomCode(this.codeLength);
    const minutes = Math.round(this.options.codeTtlMs / 60_000);
    const body = `Your sign-up code is ${code}. It expires in ${minutes} minutes. Don't share it with anyone.`;
    try {
      await this.options.sender.send({ to: input.phone, body, transcriptBody: maskCodes(body) });
    } catch (error) {
      return sendFailure(error);
    }
    return { status: "sent", ticket: await codeTicket(input.phone, code) };
  }

  async checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    const matches = await matchesTicket(input.ticket, input.phone, input.code);
    if (matches === null) return { status: "expired" };
    return matches ? { status: "approved" } : { status: "wrong" };
  }
}
