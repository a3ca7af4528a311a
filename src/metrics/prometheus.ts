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
    this.inbound = new Counter({
      name: "sms_signup_inbound_messages_total",
      help: "Inbound messages that reached a turn (redeliveries excluded), by intent and channel",
      labelNames: ["intent", "channel"],
      registers,
    });
    this.transitions = new Counter({
      name: "sms_signup_transitions_total",
      help: "Conversation state transitions, by from and to state",
      labelNames: ["from", "to"],
      registers,
    });
    this.rejections = new Counter({
      name: "sms_signup_webhook_rejections_total",
      help: "Twilio webhooks refused before a turn, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.providerCalls = new Counter({
      name: "sms_signup_provider_calls_total",
      help: "Calls to the verification provider, by provider, operation and outcome",
      labelNames: ["provider", "operation", "outcome"],
      registers,
    });
    this.providerSeconds = new Histogram({
      name: "sms_signup_provider_call_duration_seconds",
      help: "Duration of calls to the verification provider, retries included",
      labelNames: ["provider", "operation"],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.started = new Counter({
      name: "sms_signup_signups_started_total",
      help: "Sign-ups started (SIGNUP from a new conversation)",
      registers,
    });
    this.verified = new Counter({ name: "sms_signup_signups_verified_total", help: "Sign-ups verified", registers });
    this.refused = new Counter({
      name: "sms_signup_sends_refused_total",
      help: "Codes the send guard refused (SMS pumping defences), by reason",
      labelNames: ["reason"],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: "sms_signup_turn_duration_seconds",
      help: "Time from an inbound message's arrival to its reply",
      buckets: TURN_BUCKETS,
      registers,
    });
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
