import type { CheckCodeInput, CheckCodeResult, SendCodeResult } from "../../machines/types.js";
import type { LineTypeLookup, SendCodeRequest, VerificationProvider } from "../conversation/ports.js";

/**
 * Before a code goes by SMS, asks Twilio Lookup what the line is: a landline cannot receive the SMS, so the code is
 * read out in a call at once, and the result says so (the machine tells the person to expect the call).
 */
export class LandlineAwareProvider implements VerificationProvider {
  constructor(
    private readonly inner: VerificationProvider,
    private readonly lookup: LineTypeLookup,
  ) {}

  get name() {
    return this.inner.name;
  }

  get checksRemotely() {
    return this.inner.checksRemotely;
  }

  async sendCode(input: SendCodeRequest): Promise<SendCodeResult> {
    if (input.channel !== "sms" || (await this.lookup.lineType(input.phone)) !== "landline") {
      return this.inner.sendCode(input);
    }
    const result = await this.inner.sendCode({ ...input, channel: "call" });
    return result.status === "sent" ? { ...result, channel: "call" } : result;
  }

  checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    return this.inner.checkCode(input);
  }
}
