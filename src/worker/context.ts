// What every part of the Worker builds once per isolate from its bindings: configuration, logger, database.
import { Kysely } from "kysely";
import { D1Dialect } from "kysely-d1";
import { type Config, parseConfig } from "../config.js";
import { createConsoleLogger } from "../console-logger.js";
import type { Logger } from "../conversation/ports.js";
import type { Database } from "../store/schema.js";
import { D1ConversationStore } from "./d1-conversation-store.js";
import { D1OutboxStore } from "./d1-outbox-store.js";

export interface WorkerContext {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  store: D1ConversationStore;
  outbox: D1OutboxStore;
}

const contexts = new WeakMap<object, WorkerContext>();

/**
 * Vars and secrets are the environment variables of `npm start` under the same names, checked by the same schema:
 * a bad value fails every request with the same message `npm start` would print (ConfigError).
 */
export function workerContext(env: Env): WorkerContext {
  let context = contexts.get(env);
  if (!context) {
    const config = parseConfig(settingsOf(env));
    const db = new Kysely<Database>({ dialect: new D1Dialect({ database: env.DB }) });
    context = {
      config,
      logger: createConsoleLogger(config.logLevel),
      db,
      store: new D1ConversationStore(db, env.DB),
      outbox: new D1OutboxStore(db),
    };
    contexts.set(env, context);
  }
  return context;
}

/** The string bindings (vars and secrets); D1 and Durable Object bindings are objects. */
function settingsOf(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}
