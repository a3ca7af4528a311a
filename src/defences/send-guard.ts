import type { CheckCodeInput, SendCodeResult } from "../../machines/types.js";
import { maskPhone } from "../conversation/mask.js";
import type { Clock, Logger, VerificationProvider } from "../conversation/ports.js";
import type { Metrics } from "../metrics/port.js";
import { describeTarget, type RefusalReason, type SendTarget, staticRefusal } from "./send-policy.js";

/** Codes per hour; 0 turns a cap off. */
export interface SendCaps {
  perPrefixPerHour: number;
  perCountryPerHour: number;
  perHour: number;
}

export interface SendPolicy extends SendCaps {
  /** Null: any country. */
  allowedCountries: readonly string[] | null;
}

/** Where the guard counts codes and keeps operators' allowances (shared by every process on one database). */
export interface SendLedger {
  /** The operator's allowance (a number or a prefix) that covers this phone, if any. */
  allowanceFor(phone: string): Promise<string | null>;
  /** Counts a code about to be sent, unless that would pass a cap: then it is recorded refused and the cap named. */
  reserve(target: SendTarget, caps: SendCaps, at: number): Promise<RefusalReason | null>;
  /** Counts a code sent under an operator's allowance, whatever the caps. */
  recordAllowed(target: SendTarget, at: number): Promise<void>;
  recordRefusal(target: SendTarget, reason: RefusalReason, at: number): Promise<void>;
}

/**
 * SMS pumping defences in front of any verification provider: a code goes only to a country we serve, to a line
 * that is a mobile or fixed line, and within the hourly caps per prefix, per country and overall, unless an operator
 * allowed the number or its prefix. A refusal looks to the machine like the provider's "blocked": one neutral reply,
 * no code; the reason goes to the timeline, the metrics and the dashboard.
 */
export class GuardedVerificationProvider implements VerificationProvider {
  readonly name: VerificationProvider["name"];
  readonly checksRemotely: boolean;

  constructor(
    private readonly inner: VerificationProvider,
    private readonly ledger: SendLedger,
    private readonly policy: SendPolicy,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.name = inner.name;
    this.checksRemotely = inner.checksRemotely;
  }

  async sendCode(input: Parameters<VerificationProvider["sendCode"]>[0]): Promise<SendCodeResult> {
    const refusal = await this.refusalFor(input.phone);
    if (refusal === null) return this.inner.sendCode(input);
    this.metrics.sendRefused(refusal);
    this.logger.warn({ phone: maskPhone(input.phone), reason: refusal }, "code refused by the send guard");
    return { status: "blocked", refusal };
  }

  checkCode(input: CheckCodeInput) {
    return this.inner.checkCode(input);
  }

  private async refusalFor(phone: string): Promise<RefusalReason | null> {
    const target = describeTarget(phone);
    const now = this.clock.now();
    if (await this.ledger.allowanceFor(phone)) {
      await this.ledger.recordAllowed(target, now);
      return null;
    }
    const refusal = staticRefusal(target, this.policy.allowedCountries);
    if (refusal !== null) {
      await this.ledger.recordRefusal(target, refusal, now);
      return refusal;
    }
    return this.ledger.reserve(target, this.policy, now);
  }
}
