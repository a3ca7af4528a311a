// The Node entry: configuration from the environment, the database from DATABASE_URL, then the HTTP server.
import { composeService } from "./compose.js";
import { ConfigError, parseConfig } from "./config.js";
import { listen } from "./http/node-server.js";
import { loadCatalogs } from "./i18n/messages-file.js";
import { createLogger } from "./logger.js";
import { migrateToLatest } from "./store/migrations.js";
import { openDatabase } from "./store/node-database.js";

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const catalogs = loadCatalogs(config.messagesFile);
  const logger = createLogger(config.logLevel);
  const { db, dialect, phoneQueue } = openDatabase(config.databaseUrl, {
    onConnectionError: (error) =>
      logger.warn({ err: error }, "database connection lost; the next query opens a new one"),
  });
  const applied = await migrateToLatest(db, dialect);
  const service = composeService({ config, db, dialect, phoneQueue, logger, catalogs });
  service.dispatcher.start();

  const { server, address } = await listen({ fetch: service.app.fetch, port: config.port, hostname: config.host });
  logger.info(
    {
      url: `http://${address.address}:${address.port}`,
      publicUrl: config.publicUrl,
      mode: config.localMode ? "local (no Twilio account: SMS go to this log)" : "production",
      provider: config.provider,
      database: dialect,
      migrationsApplied: applied,
    },
    "sms-signup listening",
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    server.close(async () => {
      await service.dispatcher.stop();
      await db.destroy();
      process.exit(0);
    });
    // In-flight turns get a few seconds; a stuck connection must not keep the process alive forever.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("sms-signup failed to start:", error);
  }
  process.exit(1);
});
