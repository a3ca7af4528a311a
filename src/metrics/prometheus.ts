// Node only: prom-client reads process internals. The Node composition wires this; a Workers entry does not.
import type { Hono } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../conversation/ports.js";
import { equalSecrets } from "../security/constant-time.js";
import type { Backlog } from "./outbox-backlog.js";
import type { Metrics } from "./port.js";

/** Provider calls run up to the turn's 12 s; most take well under a second. */
const CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 12];
const TURN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 12];

/** The service's figures in Prometheus text format. Label values are fixed words: never a phone number or an email. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly inbound: Counter<"intent" | "channel">;
  private readonly transitions: Counter<"from" | "to">;
  private readonly rejections: Counter<"reason">;
  private readonly providerCalls: Counter<"provider" | "operation" | "outcome">;
  private readonly providerSeconds: Histogram<"provider" | "operation">;
  private readonly started: Counter;
  private readonly verified: Counter;
  private readonly refused: Counter<"reason">;
  private readonly turnSeconds: Histogram;

  constructor(backlog: () => Promise<Backlog[]>, clock: Clock) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: `sms_signup_${name}`, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: L[] = []) =>
      new Histogram<L>({ name: `sms_signup_${name}`, help, buckets, labelNames, registers });
    this.inbound = counter(
      "inbound_messages_total",
      "Inbound messages that reached a turn (redeliveries excluded), by intent and channel",
      ["intent", "channel"],
    );
    this.transitions = counter("transitions_total", "Conversation state transitions, by from and to state", [
      "from",
      "to",
    ]);
    this.rejections = counter("webhook_rejections_total", "Twilio webhooks refused before a turn, by reason", [
      "reason",
    ]);
    this.providerCalls = counter(
      "provider_calls_total",
      "Calls to the verification provider, by provider, operation and outcome",
      ["provider", "operation", "outcome"],
    );
    this.providerSeconds = histogram(
      "provider_call_duration_seconds",
      "Duration of calls to the verification provider, retries included",
      CALL_BUCKETS,
      ["provider", "operation"],
    );
    this.started = counter("signups_started_total", "Sign-ups started (SIGNUP from a new conversation)");
    this.verified = counter("signups_verified_total", "Sign-ups verified");
    this.refused = counter("sends_refused_total", "Codes the send guard refused (SMS pumping defences), by reason", [
      "reason",
    ]);
    this.turnSeconds = histogram(
      "turn_duration_seconds",
      "Time from an inbound message's arrival to its reply",
      TURN_BUCKETS,
    );
    // Read at scrape time from the database, so each instance reports the shared outboxes as they are.
    let latest: Promise<Backlog[]> | null = null;
    const read = () => {
      latest ??= backlog().finally(() => {
        latest = null;
      });
      return latest;
    };
    new Gauge({
      name: "sms_signup_outbox_depth",
      help: "Messages still owed by each outbox (sms: success SMS, webhook: the product's events)",
      labelNames: ["outbox"],
      registers,
      async collect() {
        for (const { outbox, depth } of await read()) this.set({ outbox }, depth);
      },
    });
    new Gauge({
      name: "sms_signup_outbox_oldest_age_seconds",
      help: "Age of the oldest message each outbox still owes (0 when none)",
      labelNames: ["outbox"],
      registers,
      async collect() {
        for (const { outbox, oldestAt } of await read()) {
          this.set({ outbox }, oldestAt === null ? 0 : Math.max(0, (clock.now() - oldestAt) / 1000));
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  inboundMessage(intent: string, channel: string): void {
    this.inbound.inc({ intent, channel });
  }
  transition(from: string, to: string): void {
    this.transitions.inc({ from, to });
  }
  webhookRejected(reason: string): void {
    this.rejections.inc({ reason });
  }
  providerCall(provider: string, operation: "send" | "check", outcome: string, seconds: number): void {
    this.providerCalls.inc({ provider, operation, outcome });
    this.providerSeconds.observe({ provider, operation }, seconds);
  }
  signupStarted(): void {
    this.started.inc();
  }
  signupVerified(): void {
    this.verified.inc();
  }
  sendRefused(reason: string): void {
    this.refused.inc({ reason });
  }
  turnCompleted(seconds: number): void {
    this.turnSeconds.observe(seconds);
  }

  /** GET /metrics; with a token, only for `Authorization: Bearer TOKEN`. */
  mount(app: Hono, token: string | undefined): void {
    app.get("/metrics", async (c) => {
      if (token !== undefined) {
        const given = /^Bearer (.+)$/.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
        if (!(await equalSecrets(given, token))) {
          return c.text("Unauthorized", 401, { "WWW-Authenticate": 'Bearer realm="metrics"' });
        }
      }
      return c.body(await this.registry.metrics(), 200, { "Content-Type": this.registry.contentType });
    });
  }
}
