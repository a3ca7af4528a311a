// The Node entry: configuration from the environment, the database from DATABASE_URL, then the HTTP server.
import { readFileSync } from "node:fs";
import { readApiReferenceAssets } from "./admin/pages/api-reference-assets.js";
import { composeService } from "./compose.js";
import { ConfigError, parseConfig } from "./config.js";
import { systemClock } from "./conversation/ports.js";
import { SmtpEmailSender } from "./email/smtp-sender.js";
import { listen } from "./http/node-server.js";
import { loadCatalogs } from "./i18n/messages-file.js";
import { createLogger } from "./logger.js";
import { outboxBacklog } from "./metrics/outbox-backlog.js";
import { PrometheusMetrics } from "./metrics/prometheus.js";
import { nodeAdapters } from "./node-adapters.js";
import { startBanner } from "./start-banner.js";
import { migrateToLatest } from "./store/migrations.js";
import { openDatabase } from "./store/node-database.js";
import { loadTwilioSdk } from "./twilio/client.js";

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const catalogs = loadCatalogs(config.messagesFile);
  // A person at a terminal reads; anything else (a supervisor, a file, a pipe) parses JSON.
  const atTerminal = process.stdout.isTTY === true;
  const logger = createLogger(config.logLevel, { pretty: atTerminal });
  const { db, dialect, phoneQueue, sideDb } = openDatabase(config.databaseUrl, {
    onConnectionError: (error) =>
      logger.warn({ err: error }, "database connection lost; the next query opens a new one"),
  });
  const applied = await migrateToLatest(db, dialect, { warn: logger.warn });
  const metrics = new PrometheusMetrics(() => outboxBacklog(db), systemClock);
  const stopping = new AbortController();
  const service = composeService({
    config,
    db,
    sideDb,
    dialect,
    phoneQueue,
    logger,
    catalogs,
    metrics,
    readme: readReadme(),
    apiReference: readApiReferenceAssets(),
    stopping: stopping.signal,
    smtp: (options) => new SmtpEmailSender(options),
    ...nodeAdapters,
  });
  if (!config.localMode) await loadTwilioSdk();
  service.dispatcher.start();
  service.emailDispatcher?.start();
  service.webhookDispatcher?.start();

  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    listening = await listen({ fetch: service.app.fetch, port: config.port, hostname: config.host });
  } catch (error) {
    // The usual first-day failure: another npm start still runs. One line says what to do, not a stack trace.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      const why = code === "EADDRINUSE" ? "is already in use (another npm start?)" : "may not be used by this user";
      console.error(
        `Port ${config.port} on ${config.host} ${why}. Stop what uses it, or start on another port: PORT=${config.port + 1} npm start`,
      );
    } else {
      console.error("sms-signup could not listen:", error instanceof Error ? error.message : error);
    }
    await service.dispatcher.stop();
    await service.emailDispatcher?.stop();
    await db.destroy();
    process.exit(1);
  }
  const { server, address } = listening;
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  if (atTerminal) {
    process.stdout.write(`${startBanner(config, { url, dialect, migrationsApplied: applied })}\n`);
  } else {
    logger.info(
      {
        url,
        publicUrl: config.publicUrl,
        mode: config.localMode ? "local (no Twilio account: SMS go to this log)" : "production",
        provider: config.provider,
        database: dialect,
        migrationsApplied: applied,
      },
      "sms-signup listening",
    );
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    // Open operator pages' live streams end now; in-flight turns finish before the server closes.
    stopping.abort();
    server.close(async () => {
      await service.dispatcher.stop();
      await service.emailDispatcher?.stop();
      await service.webhookDispatcher?.stop();
      await db.destroy();
      if (sideDb !== db) await sideDb.destroy();
      process.exit(0);
    });
    // In-flight turns get a few seconds; a stuck connection must not keep the process alive forever.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/** The README, for GET /readme: beside the sources in a clone; absent in a bundle, and then not linked. */
function readReadme(): string | undefined {
  try {
    return readFileSync(new URL("../README.md", import.meta.url), "utf8");
  } catch {
    return undefined;
  }
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("sms-signup failed to start:", error);
  }
  process.exit(1);
});
