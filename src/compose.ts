import type { Hono } from "hono";
import { type Kysely, sql } from "kysely";
import type { AdminExtension } from "./admin/extensions.js";
import { AdminQueries, mountAdmin } from "./admin/index.js";
import type { ApiReferenceAssets } from "./admin/pages/api-reference.js";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { ConversationEngine, type EmailStep } from "./conversation/engine.js";
import { KeyedLock } from "./conversation/keyed-lock.js";
import { InProcessPhoneSerializer, PHONE_BACKLOG } from "./conversation/phone-serializer.js";
import {
  type Clock,
  type Logger,
  type OutboxStore,
  type PhoneSerializer,
  type SmsSender,
  systemClock,
  type Turn,
  type VerificationProvider,
  type VoiceCaller,
} from "./conversation/ports.js";
import { RecordingSmsSender } from "./conversation/recording-sms-sender.js";
import { defencesAdmin } from "./defences/admin.js";
import { KyselySendLedger } from "./defences/kysely-ledger.js";
import { GuardedVerificationProvider } from "./defences/send-guard.js";
import { HashedEmailCodes, VerifyEmailCodes } from "./email/email-codes.js";
import { EmailOutboxDispatcher } from "./email/email-dispatcher.js";
import { LogEmailSender } from "./email/log-sender.js";
import type { EmailSender, OutboundEmail, SentEmail } from "./email/ports.js";
import { SendGridEmailSender } from "./email/sendgrid-sender.js";
import { VerifyEmailSender } from "./email/verify-sender.js";
import { mountHome } from "./home/home-page.js";
import type { HttpFetch } from "./http/http-fetch.js";
import { BUILT_IN_CATALOGS, type Catalogs, MessageRenderer } from "./i18n/catalog.js";
import { type LocalEmailHistory, mountLocalOutbox } from "./local/outbox-route.js";
import { meteredHandle, recordTurn } from "./metrics/metered-engine.js";
import { MeteredVerificationProvider } from "./metrics/metered-provider.js";
import { type Metrics, noMetrics } from "./metrics/port.js";
import { OutboxDispatcher } from "./outbox/dispatcher.js";
import { webhookAdmin } from "./product/admin.js";
import { WebhookDispatcher } from "./product/webhook-dispatcher.js";
import { WebhookOutbox } from "./product/webhook-outbox.js";
import { KyselyConversationStore, type TransactionHooks } from "./store/conversation-store.js";
import { KyselyDeliveryStatusStore } from "./store/delivery-status-store.js";
import { KyselyEmailOutboxStore } from "./store/email-outbox-store.js";
import type { SqlDialectName } from "./store/migrations.js";
import { KyselyOperatorSessionStore } from "./store/operator-session-store.js";
import { KyselyOutboxStore } from "./store/outbox-store.js";
import { PostgresPhoneSerializer } from "./store/postgres-phone-serializer.js";
import type { Database } from "./store/schema.js";
import { FetchHttpClient } from "./twilio/fetch-http-client.js";
import { TwilioLineTypeLookup } from "./twilio/line-type-lookup.js";
import { type LocalSmsHistory, LogSmsSender } from "./twilio/log-sender.js";
import { TwilioSmsSender } from "./twilio/messages-sender.js";
import type { HmacSha1 } from "./twilio/signature.js";
import { mountStatusCallback } from "./twilio/status-callback.js";
import { TwilioVoiceCaller } from "./twilio/voice-caller.js";
import type { BodyText } from "./twilio/webhook.js";
import { AuthyVerificationProvider } from "./verification/authy.js";
import { CodeTickets, type Sha256 } from "./verification/code-hash.js";
import { LandlineAwareProvider } from "./verification/landline-aware.js";
import { LocalVerificationProvider } from "./verification/local.js";
import { VerifyVerificationProvider } from "./verification/verify.js";

export interface ServiceParts {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock?: Clock;
  /** The texts, built in or an operator's MESSAGES_FILE laid over them (already checked). */
  catalogs?: Catalogs;
  /** SQLite: one process owns the file, turns are serialized in it; PostgreSQL: across processes, in the database. */
  dialect?: SqlDialectName;
  /** The in-process queue of turns per phone; services of one process on one SQLite file must share one. */
  phoneQueue?: KeyedLock;
  /** Another runtime's per-phone serialization (a Durable Object per phone on Workers). */
  serializer?: PhoneSerializer;
  /** The outbox's storage; Workers give one without transactions (D1 has none). */
  outbox?: OutboxStore;
  /** Local mode's SMS "network"; by default kept in this process's memory (a Worker shares one across objects). */
  localSms?: LocalSmsNetwork;
  /** Wakes the outbox's sender after a turn queued an SMS; by default this process's own dispatcher. */
  onOutbox?: () => void;
  /** Queries made during a provider call, while the turn holds its connection (see OpenDatabase.sideDb); `db` if absent. */
  sideDb?: Kysely<Database>;
  /** Where the service's figures go, and the route that serves them (prom-client on Node); none: not counted. */
  metrics?: ServiceMetrics;
  /** SMTP for EMAIL_SMTP_URL: nodemailer needs sockets, so only the Node entry (and tests) can give it. */
  smtp?: (options: { url: string; from: string; timeoutMs: number }) => EmailSender;
  /** Wakes the email outbox's sender after a turn queued an email; by default this process's own dispatcher. */
  onEmail?: () => void;
  /** How calls to Twilio's REST APIs go out, where the runtime has a lighter way than its fetch (Node's node:http). */
  httpFetch?: HttpFetch | undefined;
  /** The hash our codes are kept as, where the runtime has a faster SHA-256 than Web Crypto's (Node's node:crypto). */
  sha256?: Sha256 | undefined;
}

export interface ServiceMetrics extends Metrics {
  /** Serves the figures (GET /metrics), behind the token when there is one. */
  mount(app: Hono, token: string | undefined): void;
}

/** The product's outbox, when SIGNUP_WEBHOOK_URL is set: written in the transaction of each turn and erasure. */
function productWebhooks(
  config: Config,
  db: Kysely<Database>,
  metrics: Metrics,
): { outbox: WebhookOutbox | null; hooks: TransactionHooks } {
  // Whatever else, a committed turn is counted.
  const afterCommit = (turn: Turn) => recordTurn(metrics, turn);
  if (!config.webhook) return { outbox: null, hooks: { afterCommit } };
  const outbox = new WebhookOutbox(db, {
    giveUpAfterMs: config.webhook.giveUpAfterMs,
    holdSuccessSms: config.webhook.successAfterWebhook,
  });
  return {
    outbox,
    hooks: {
      afterTurn: (trx, turn) => outbox.afterTurn(trx, turn),
      beforeErase: (trx, phone, at, operator) => outbox.beforeErase(trx, phone, at, operator),
      afterCommit,
    },
  };
}

/** Local mode's sender (and caller), which also shows `npm run chat` what each phone was sent. */
export type LocalSmsNetwork = SmsSender & VoiceCaller & LocalSmsHistory;

/** The one place where adapters are chosen: from the configuration, for Node and Workers alike. */
export function composeConversation({
  config,
  db,
  logger,
  clock = systemClock,
  catalogs = BUILT_IN_CATALOGS,
  dialect = "sqlite",
  phoneQueue = new KeyedLock(PHONE_BACKLOG),
  serializer,
  outbox = new KyselyOutboxStore(db),
  localSms,
  onOutbox,
  sideDb = db,
  metrics,
  smtp,
  onEmail,
  httpFetch,
  sha256,
}: ServiceParts) {
  const counted: Metrics = metrics ?? noMetrics;
  const webhooks = productWebhooks(config, db, counted);
  serializer ??=
    dialect === "postgres"
      ? new PostgresPhoneSerializer(db, phoneQueue, webhooks.hooks)
      : new InProcessPhoneSerializer(new KyselyConversationStore(db, null, webhooks.hooks), phoneQueue);
  const renderer = new MessageRenderer(catalogs);
  const httpClient = new FetchHttpClient({
    fetch: httpFetch,
    baseUrl: config.twilio.apiBaseUrl,
    timeoutMs: config.outboundTimeoutMs,
    deadlineMs: config.outboundDeadlineMs,
  });
  const localSender = config.localMode ? (localSms ?? new LogSmsSender(logger)) : null;
  const sender: SmsSender = localSender
    ? localSender
    : new TwilioSmsSender({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        from: config.twilio.phoneNumber,
        messagingServiceSid: config.twilio.messagingServiceSid,
        whatsappFrom: config.twilio.whatsappNumber,
        statusCallback: `${config.publicUrl}/sms/status`,
        httpClient,
      });
  const codeSender = new RecordingSmsSender(sender, clock);
  const caller: VoiceCaller = localSender
    ? localSender
    : new TwilioVoiceCaller({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        from: config.twilio.phoneNumber,
        httpClient,
      });
  // The local provider's codes, by SMS or WhatsApp or a call, each written to the transcript with the code masked.
  const tickets = new CodeTickets(sha256);
  const localCodes = new LocalVerificationProvider({
    tickets,
    sender: codeSender,
    caller: codeSender.recordingCalls(caller),
    renderer,
    codeTtlMs: config.limits.codeTtlMs,
    logger,
  });
  const chosen = createProvider(config, localCodes, httpClient, logger);
  const lookedUp = config.twilio.lookupLineType
    ? new LandlineAwareProvider(
        chosen,
        new TwilioLineTypeLookup({
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          httpClient,
          logger,
        }),
      )
    : chosen;
  const ledger = new KyselySendLedger(sideDb);
  // The send guard stands outermost: a refused send reaches no provider (and no Lookup), so is no provider call.
  const provider = new GuardedVerificationProvider(
    new MeteredVerificationProvider(lookedUp, counted),
    ledger,
    config.sendGuard,
    clock,
    counted,
    logger,
  );
  const dispatcher = new OutboxDispatcher({ store: outbox, sender, clock, logger });
  const email = composeEmail(config, {
    db,
    logger,
    clock,
    renderer,
    smtp,
    verify: chosen instanceof VerifyVerificationProvider ? chosen : null,
    tickets,
    onSmsQueued: () => (onOutbox ?? (() => dispatcher.kick()))(),
  });
  const webhookDispatcher = webhooks.outbox
    ? new WebhookDispatcher({
        outbox: webhooks.outbox,
        url: config.webhook?.url ?? "",
        secret: config.webhook?.secret ?? "",
        clock,
        logger,
        timeoutMs: config.outboundTimeoutMs,
        onReleased: () => dispatcher.kick(),
      })
    : null;
  // Operators' view of the product webhook and the send guard, on the pages and the API.
  const extensions: AdminExtension[] = [
    ...(webhooks.outbox && webhookDispatcher
      ? [webhookAdmin(webhooks.outbox, clock, () => webhookDispatcher.kick())]
      : []),
    defencesAdmin(ledger, clock),
  ];
  const engine = new ConversationEngine({
    serializer,
    sentDuringTurn: codeSender,
    provider,
    clock,
    logger,
    limits: config.limits,
    signupWords: config.signupKeywords,
    renderer,
    defaultLanguage: config.defaultLanguage,
    emailStep: email.step,
    onEmail: onEmail ?? (() => email.dispatcher?.kick()),
    onOutbox:
      onOutbox ??
      (() => {
        dispatcher.kick();
        webhookDispatcher?.kick();
      }),
  });
  return {
    engine,
    dispatcher,
    outbox,
    webhooks: webhooks.outbox,
    webhookDispatcher,
    extensions,
    provider,
    sender,
    localSender,
    renderer,
    emailDispatcher: email.dispatcher,
    localEmails: email.local,
  };
}

/**
 * The email step (EMAIL_VERIFICATION=code): its codes, its transports, its outbox. Codes go by Verify's email
 * channel when Verify is the provider, else by SMTP or SendGrid (local mode: the log); notices to an address's
 * owner need SMTP or SendGrid (or local mode's log): Verify sends only its own codes.
 */
function composeEmail(
  config: Config,
  parts: {
    db: Kysely<Database>;
    logger: Logger;
    clock: Clock;
    renderer: MessageRenderer;
    smtp: ServiceParts["smtp"];
    verify: VerifyVerificationProvider | null;
    tickets: CodeTickets;
    onSmsQueued: () => void;
  },
): { step: EmailStep | undefined; dispatcher: EmailOutboxDispatcher | null; local: LogEmailSender | null } {
  if (config.email.verification !== "code") return { step: undefined, dispatcher: null, local: null };
  const { from, smtpUrl, sendgrid } = config.email;
  const timeoutMs = config.outboundTimeoutMs;
  let general: EmailSender | null = null;
  let local: LogEmailSender | null = null;
  if (smtpUrl) {
    if (!parts.smtp) throw new Error("EMAIL_SMTP_URL needs the Node entry (SMTP needs sockets); use SENDGRID_API_KEY");
    general = parts.smtp({ url: smtpUrl, from, timeoutMs });
  } else if (sendgrid.apiKey) {
    general = new SendGridEmailSender({ apiKey: sendgrid.apiKey, from, baseUrl: sendgrid.apiUrl, timeoutMs });
  } else if (config.localMode) {
    local = new LogEmailSender(parts.logger);
    general = local;
  }
  const codes = parts.verify ? new VerifyEmailSender(parts.verify) : general;
  if (!codes) throw new Error("EMAIL_VERIFICATION=code needs EMAIL_SMTP_URL, SENDGRID_API_KEY or the Verify provider");
  const step: EmailStep = {
    codes: parts.verify ? new VerifyEmailCodes(parts.verify, parts.tickets) : new HashedEmailCodes(parts.tickets),
    decoys: new HashedEmailCodes(parts.tickets),
    sendsNotices: general !== null,
    checksRemotely: parts.verify !== null,
  };
  const dispatcher = new EmailOutboxDispatcher({
    store: new KyselyEmailOutboxStore(parts.db),
    sender: new EmailRouter(codes, general),
    renderer: parts.renderer,
    clock: parts.clock,
    logger: parts.logger,
    onSmsQueued: parts.onSmsQueued,
  });
  return { step, dispatcher, local };
}

/** Codes by one transport, notices by another (Verify sends codes only). */
class EmailRouter implements EmailSender {
  readonly name: EmailSender["name"];

  constructor(
    private readonly codes: EmailSender,
    private readonly notices: EmailSender | null,
  ) {
    this.name = codes.name;
  }

  send(email: OutboundEmail): Promise<SentEmail> {
    const sender = email.kind === "code" ? this.codes : (this.notices ?? this.codes);
    return sender.send(email);
  }
}

export interface AppParts {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock?: Clock;
  /** Runs turns, resets and erasures: the engine itself, or (on Workers) the phone's Durable Object. */
  engine: Pick<ConversationEngine, "handle" | "reset" | "erase" | "apology">;
  localSms: LocalSmsNetwork | null;
  /** The project's README, for GET /readme (the Node entry reads it from disk; elsewhere it may be absent). */
  readme?: string | undefined;
  /** Swagger UI's files for the operators' API reference page (the Node entry reads them from node_modules). */
  apiReference?: ApiReferenceAssets | undefined;
  /** SQLite's operator search uses its trigram index; elsewhere a plain scan. */
  dialect?: SqlDialectName;
  /** The figures, served at GET /metrics where the runtime has a metrics library (Node). */
  metrics?: ServiceMetrics | undefined;
  /** More for operators: the product webhook's and the send guard's views. */
  extensions?: AdminExtension[];
  /** Aborted when the service shuts down (ends open pages' live streams). */
  stopping?: AbortSignal | undefined;
  /** Local mode's emails, for GET /local/outbox. */
  localEmails?: LocalEmailHistory | null;
  /** The webhook signature's HMAC where the runtime has a faster one than Web Crypto's (Node's node:crypto). */
  hmac?: HmacSha1 | undefined;
  /** How webhooks read their body where the runtime has a cheaper way than bytes decoded (Node's text()). */
  bodyText?: BodyText | undefined;
}

/** The HTTP side: webhooks, health, operators, local mode's outbox, and the metrics. */
export function composeApp({
  config,
  db,
  logger,
  clock = systemClock,
  engine,
  localSms,
  readme,
  apiReference,
  dialect,
  metrics,
  extensions = [],
  stopping,
  localEmails,
  hmac,
  bodyText,
}: AppParts) {
  return createApp({
    engine: meteredHandle(engine, metrics ?? noMetrics, config.signupKeywords),
    logger,
    metrics,
    hmac,
    bodyText,
    authToken: config.twilio.authToken,
    publicUrl: config.publicUrl,
    mountWebhooks: (webhook) =>
      mountStatusCallback(webhook, { store: new KyselyDeliveryStatusStore(db), logger, clock }),
    checkHealth: async () => {
      await sql`select 1`.execute(db);
      return true;
    },
    mount: (routes) => {
      mountHome(routes, { readme, localMode: config.localMode });
      mountAdmin(routes, {
        queries: new AdminQueries(db, dialect, config.defaultLanguage),
        sessions: new KyselyOperatorSessionStore(db),
        engine,
        adminToken: config.adminToken,
        publicUrl: config.publicUrl,
        clock,
        logger,
        apiReference,
        extensions,
        stopping,
      });
      if (localSms) mountLocalOutbox(routes, localSms, localEmails ?? undefined);
      metrics?.mount(routes, config.metricsToken);
    },
  });
}

/** The whole service in one process (Node). */
export function composeService(
  parts: ServiceParts & Pick<AppParts, "readme" | "apiReference" | "stopping" | "hmac" | "bodyText">,
) {
  const conversation = composeConversation(parts);
  const app = composeApp({
    ...parts,
    engine: conversation.engine,
    localSms: conversation.localSender,
    localEmails: conversation.localEmails,
    extensions: conversation.extensions,
  });
  return { app, ...conversation };
}

function createProvider(
  config: Config,
  localCodes: LocalVerificationProvider,
  httpClient: FetchHttpClient,
  logger: Logger,
): VerificationProvider {
  switch (config.provider) {
    case "authy":
      return new AuthyVerificationProvider({
        apiKey: config.authy.apiKey ?? "",
        baseUrl: config.authy.apiUrl,
        whatsapp: localCodes,
        timeoutMs: config.outboundTimeoutMs,
        deadlineMs: config.outboundDeadlineMs,
      });
    case "verify":
      return new VerifyVerificationProvider({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        serviceSid: config.twilio.verifyServiceSid ?? "",
        httpClient,
        verificationTtlMs: config.limits.codeTtlMs,
        logger,
      });
    default:
      return localCodes;
  }
}

export type Service = ReturnType<typeof composeService>;
