import { msg } from "../../machines/message-keys.js";
import type { CheckCodeInput, CheckCodeResult, SendCodeResult } from "../../machines/types.js";
import { maskCodes, maskPhone } from "../conversation/mask.js";
import {
  type Logger,
  type SendCodeRequest,
  SmsSendError,
  type SmsSender,
  type VerificationProvider,
  type VoiceCaller,
} from "../conversation/ports.js";
import type { MessageRenderer } from "../i18n/catalog.js";
import { spokenDigits } from "../twilio/voice-caller.js";
import { CodeTickets, randomCode } from "./code-hash.js";

/** Failures of the SMS that carries a code, in the conversation's terms. */
function codeSmsFailure(error: unknown): SendCodeResult {
  if (error instanceof SmsSendError) {
    if (error.code === 21211 || error.code === 21614 || error.code === 21612 || error.code === 21635)
      return { status: "undeliverable" };
    if (error.code === 21610 || error.code === 21408) return { status: "blocked" };
  }
  return { status: "unavailable" };
}

export interface LocalProviderOptions {
  sender: SmsSender;
  /** Reads a code out in a call (CALL, a landline). */
  caller: VoiceCaller;
  renderer: MessageRenderer;
  codeLength?: number;
  codeTtlMs: number;
  /** Where a failed send is explained to operators (the person only hears that it failed). */
  logger?: Logger;
  /** How codes are kept (a salted SHA-256); Web Crypto's hash unless the runtime gives a faster one. */
  tickets?: CodeTickets;
}

/**
 * The built-in provider: 6-digit codes from the CSPRNG, sent through our own SMS sender, kept only as a salted
 * SHA-256 in the conversation's ticket. A new send always makes a new code (the old hash is replaced).
 */
export class LocalVerificationProvider implements VerificationProvider {
  readonly name = "local" as const;
  readonly checksRemotely = false;
  private readonly codeLength: number;
  private readonly tickets: CodeTickets;

  constructor(private readonly options: LocalProviderOptions) {
    this.codeLength = options.codeLength ?? 6;
    this.tickets = options.tickets ?? new CodeTickets();
  }

  async sendCode(input: SendCodeRequest): Promise<SendCodeResult> {
    const code = randomCode(this.codeLength);
    const ticket = await this.tickets.issue(input.phone, code);
    const { renderer } = this.options;
    // The hash is written down before the code leaves: a turn that dies after the send still checks this code.
    await input.beforeSend?.({ ticket, ...(input.channel === "call" ? { channel: "call" as const } : {}) });
    try {
      if (input.channel === "call") {
        const say = renderer.render(msg("callScript", { digits: spokenDigits(code) }), input.language);
        const masked = renderer.render(
          msg("callScript", { digits: spokenDigits("•".repeat(code.length)) }),
          input.language,
        );
        await this.options.caller.call({ to: input.phone, say, language: input.language, transcriptText: masked });
      } else {
        const minutes = Math.max(1, Math.round(this.options.codeTtlMs / 60_000));
        // A string, not a number: a code is digits to copy, never "482.913".
        const body = renderer.render(msg("codeMessage", { code, minutes }), input.language);
        await this.options.sender.send({
          to: input.phone,
          body,
          channel: input.channel,
          transcriptBody: maskCodes(body),
        });
      }
    } catch (error) {
      this.options.logger?.warn(
        {
          phone: maskPhone(input.phone),
          channel: input.channel,
          twilioError: error instanceof SmsSendError ? error.code : null,
          reason: error instanceof Error ? error.message : String(error),
        },
        "code send failed",
      );
      return codeSmsFailure(error);
    }
    return { status: "sent", ticket };
  }

  async checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    const matches = await this.tickets.matches(input.ticket, input.phone, input.code);
    if (matches === null) return { status: "expired" };
    return matches ? { status: "approved" } : { status: "wrong" };
  }
}
