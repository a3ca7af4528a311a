import type { CheckCodeInput, CheckCodeResult, SendCodeResult } from "../../machines/types.js";
import { maskPhone } from "../conversation/mask.js";
import type { Logger, SendCodeRequest, VerificationProvider } from "../conversation/ports.js";
import { maskEmail } from "../email/ports.js";
import { failureReason } from "../http/retry.js";
import { INTL_LOCALE } from "../i18n/languages.js";
import { createTwilioClient, type TwilioAccess, type TwilioClient } from "../twilio/client.js";

export interface VerifyProviderOptions extends TwilioAccess {
  /** The Verify service (VA…). */
  serviceSid: string;
  /** How long Verify keeps a verification: after 60203 (max sends) a new one can start when it is gone. */
  verificationTtlMs: number;
  logger: Logger;
}

// Verify's Code is 4 to 10 characters; anything else would be answered 60200 without counting as a try.
const VERIFY_CODE = /^\d{4,10}$/;

interface TwilioFailure {
  status?: number;
  code?: number;
  name?: string;
  message?: string;
}

/**
 * Twilio Verify v2 (https://www.twilio.com/docs/verify/api) through the twilio SDK: Verify makes, sends and checks the code; we
 * never see it. RESEND starts a verification again, which re-sends the same code while one is pending.
 */
export class VerifyVerificationProvider implements VerificationProvider {
  readonly name = "verify" as const;
  readonly checksRemotely = true;
  private readonly client: () => Promise<TwilioClient>;

  constructor(private readonly options: VerifyProviderOptions) {
    this.client = createTwilioClient(options);
  }

  private async service() {
    return (await this.client()).verify.v2.services(this.options.serviceSid);
  }

  async sendCode(input: SendCodeRequest): Promise<SendCodeResult> {
    // Verify keeps the code: a check needs nothing of ours, only the knowledge that a code may be on its way.
    await input.beforeSend?.(input.channel === "call" ? { channel: "call" } : {});
    try {
      // The person's language, the one our replies speak; the channel of the conversation, or a call.
      const verification = await (await this.service()).verifications.create({
        to: input.phone,
        channel: input.channel,
        locale: INTL_LOCALE[input.language],
      });
      // Anything but a pending verification is not a code on its way, whatever the HTTP status said.
      if (verification?.status !== "pending") {
        this.logFailure("start", input.phone, { message: `unexpected status ${String(verification?.status)}` });
        return { status: "unavailable" };
      }
      return { status: "sent", ticket: null, providerId: null };
    } catch (error) {
      const failure = error as TwilioFailure;
      this.logFailure("start", input.phone, failure);
      switch (failure.code) {
        case 60203:
          // Five sends per verification; the count lifts when the verification expires.
          return { status: "rate_limited", retryAfterMs: this.options.verificationTtlMs };
        case 60200: // invalid parameter: here, a To that Verify cannot send to
        case 60205: // SMS not supported by a landline
        case 21211:
        case 21614:
          return { status: "undeliverable" };
        case 60410: // Fraud Guard: that prefix is blocked for 12 hours
        case 60605: // Geo permissions: the country is not enabled
          return { status: "blocked" };
        default:
          return { status: "unavailable" };
      }
    }
  }

  checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    return this.check(input.phone, input.code);
  }

  /**
   * Verify's email channel: Verify makes the code and emails it with the service's email template (a Mailer set up
   * in the console). Starting again while one is pending re-sends the same code, as with SMS.
   */
  async startEmail(email: string, language: string): Promise<{ sid: string }> {
    const verification = await (await this.service()).verifications.create({
      to: email,
      channel: "email",
      locale: language,
    });
    if (verification?.status !== "pending") throw new Error(`unexpected status ${String(verification?.status)}`);
    return { sid: verification.sid };
  }

  /** Checks a code against the pending verification of `to`: a phone (SMS) or an email address. */
  async check(to: string, code: string): Promise<CheckCodeResult> {
    if (!VERIFY_CODE.test(code)) return { status: "wrong" };
    try {
      const check = await (await this.service()).verificationChecks.create({ to, code });
      switch (check?.status) {
        case "approved":
          return { status: "approved" };
        case "pending":
          // A wrong code is a 200 with the verification still pending.
          return { status: "wrong" };
        case "max_attempts_reached":
          return { status: "too_many_attempts" };
        case "canceled":
        case "expired":
        case "deleted":
        case "failed":
          return { status: "expired" };
        default:
          this.logFailure("check", to, { message: `unexpected status ${String(check?.status)}` });
          return { status: "unavailable" };
      }
    } catch (error) {
      const failure = error as TwilioFailure;
      // After approval or expiry Verify deletes the verification: a check then is a 404 (20404).
      if (failure.status === 404 || failure.code === 20404) return { status: "expired" };
      this.logFailure("check", to, failure);
      if (failure.code === 60202) return { status: "too_many_attempts" };
      return { status: "unavailable" };
    }
  }

  /** Why a call failed, for operators: the Twilio error code and status, never the code or the full number. */
  private logFailure(call: "start" | "check", to: string, failure: TwilioFailure): void {
    const reason = failureReason(failure);
    this.options.logger.warn(
      {
        ...(to.includes("@") ? { email: maskEmail(to) } : { phone: maskPhone(to) }),
        call,
        httpStatus: failure.status ?? null,
        twilioError: failure.code ?? null,
        reason,
      },
      "Verify call failed",
    );
  }
}
