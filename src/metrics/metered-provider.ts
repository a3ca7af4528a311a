import type { CheckCodeInput } from "../../machines/types.js";
import type { VerificationProvider } from "../conversation/ports.js";
import type { Metrics } from "./port.js";

/** Counts and times every call to the provider, by its outcome ("sent", "wrong", … or "error" when it threw). */
export class MeteredVerificationProvider implements VerificationProvider {
  readonly name: VerificationProvider["name"];
  readonly checksRemotely: boolean;

  constructor(
    private readonly inner: VerificationProvider,
    private readonly metrics: Metrics,
  ) {
    this.name = inner.name;
    this.checksRemotely = inner.checksRemotely;
  }

  sendCode(input: Parameters<VerificationProvider["sendCode"]>[0]) {
    return this.timed("send", () => this.inner.sendCode(input));
  }

  checkCode(input: CheckCodeInput) {
    return this.timed("check", () => this.inner.checkCode(input));
  }

  private async timed<T extends { status: string }>(operation: "send" | "check", call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const record = (outcome: string) =>
      this.metrics.providerCall(this.name, operation, outcome, (performance.now() - started) / 1000);
    try {
      const result = await call();
      record(result.status);
      return result;
    } catch (error) {
      record("error");
      throw error;
    }
  }
}
