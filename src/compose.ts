import { type Kysely, sql } from "kysely";
import { AdminQueries, mountAdmin } from "./admin/index.js";
import type { ApiReferenceAssets } from "./admin/pages/api-reference.js";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { ConversationEngine } from "./conversation/engine.js";
import { KeyedLock } from "./conversation/keyed-lock.js";
import { InProcessPhoneSerializer, PHONE_BACKLOG } from "./conversation/phone-serializer.js";
import {
  type Clock,
  type Logger,
  type OutboxStore,
  type PhoneSerializer,
  type SmsSender,
  systemClock,
  type VerificationProvider,
  type VoiceCaller,
} from "./conversation/ports.js";
import { RecordingSmsSender } from "./conversation/recording-sms-sender.js";
import { mountHome } from "./home/home-page.js";
import { BUILT_IN_CATALOGS, type Catalogs, MessageRenderer } from "./i18n/catalog.js";
import { mountLocalOutbox } from "./local/outbox-route.js";
import { OutboxDispatcher } from "./outbox/dispatcher.js";
import { KyselyConversationStore } from "./store/conversation-store.js";
import { KyselyDeliveryStatusStore } from "./store/delivery-status-store.js";
import type { SqlDialectName } from "./store/migrations.js";
import { KyselyOutboxStore } from "./store/outbox-store.js";
import { PostgresPhoneSerializer } from "./store/postgres-phone-serializer.js";
import type { Database } from "./store/schema.js";
import { FetchHttpClient } from "./twilio/fetch-http-client.js";
import { TwilioLineTypeLookup } from "./twilio/line-type-lookup.js";
import { type LocalSmsHistory, LogSmsSender } from "./twilio/log-sender.js";
import { TwilioSmsSender } from "./twilio/messages-sender.js";
import { mountStatusCallback } from "./twilio/status-callback.js";
import { TwilioVoiceCaller } from "./twilio/voice-caller.js";
import { AuthyVerificationProvider } from "./verification/authy.js";
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
  serializer = dialect === "postgres"
    ? new PostgresPhoneSerializer(db, phoneQueue)
    : new InProcessPhoneSerializer(new KyselyConversationStore(db), phoneQueue),
  outbox = new KyselyOutboxStore(db),
  localSms,
  onOutbox,
}: ServiceParts) {
  const renderer = new MessageRenderer(catalogs);
  const httpClient = new FetchHttpClient({
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
  const localCodes = new LocalVerificationProvider({
    sender: codeSender,
    caller: codeSender.recordingCalls(caller),
    renderer,
    codeTtlMs: config.limits.codeTtlMs,
  });
  const chosen = createProvider(config, localCodes, httpClient, logger);
  const provider = config.twilio.lookupLineType
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
  const dispatcher = new OutboxDispatcher({ store: outbox, sender, clock, logger });
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
    onOutbox: onOutbox ?? (() => dispatcher.kick()),
  });
  return { engine, dispatcher, outbox, provider, sender, localSender, renderer };
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
}

/** The HTTP side: webhooks, health, operators, and local mode's outbox. */
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
}: AppParts) {
  return createApp({
    engine,
    logger,
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
        queries: new AdminQueries(db, dialect),
        engine,
        adminToken: config.adminToken,
        publicUrl: config.publicUrl,
        clock,
        logger,
        apiReference,
      });
      if (localSms) mountLocalOutbox(routes, localSms);
    },
  });
}

/** The whole service in one process (Node). */
export function composeService(parts: ServiceParts & Pick<AppParts, "readme" | "apiReference">) {
  const conversation = composeConversation(parts);
  const app = composeApp({ ...parts, engine: conversation.engine, localSms: conversation.localSender });
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
