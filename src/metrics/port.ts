// What the service counts, as a port: the core records through it and never imports a metrics library, so the
// Node entry can wire prom-client while a Workers entry wires nothing (or its own).

export interface Metrics {
  /** A message reached a turn (not a redelivery): what the person meant, and the channel it came by. */
  inboundMessage(intent: string, channel: string): void;
  transition(from: string, to: string): void;
  webhookRejected(reason: string): void;
  /** One call to the verification provider: which, what for, how it ended, how long it took. */
  providerCall(provider: string, operation: "send" | "check", outcome: string, seconds: number): void;
  signupStarted(): void;
  signupVerified(): void;
  /** A code the send guard refused (SMS pumping defences), by reason. */
  sendRefused(reason: string): void;
  turnCompleted(seconds: number): void;
}

export const noMetrics: Metrics = {
  inboundMessage: () => undefined,
  transition: () => undefined,
  webhookRejected: () => undefined,
  providerCall: () => undefined,
  signupStarted: () => undefined,
  signupVerified: () => undefined,
  sendRefused: () => undefined,
  turnCompleted: () => undefined,
};
