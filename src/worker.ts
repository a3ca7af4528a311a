// The Workers entry: the same app, engine and machine as src/node.ts, composed for Workers (D1, Durable Objects).
import { composeApp, composeConversation } from "./compose.js";
import { ConfigError } from "./config.js";
import { workerContext } from "./worker/context.js";
import { localSmsNetwork } from "./worker/local-sms-log.js";
import { wakeOutbox } from "./worker/outbox-sender.js";
import { phoneEngines } from "./worker/phone-conversation.js";

export { LocalSmsLog } from "./worker/local-sms-log.js";
export { OutboxSender } from "./worker/outbox-sender.js";
export { PhoneConversation } from "./worker/phone-conversation.js";

const apps = new WeakMap<Env, ReturnType<typeof composeApp>>();

function appFor(env: Env) {
  let app = apps.get(env);
  if (!app) {
    const context = workerContext(env);
    const localSms = context.config.localMode ? localSmsNetwork(env) : null;
    // Turns run in the phones' objects; this isolate's own engine only words the apology when one fails.
    const { engine } = composeConversation({ ...context, ...(localSms ? { localSms } : {}) });
    app = composeApp({
      ...context,
      engine: { ...phoneEngines(env), apology: (phone) => engine.apology(phone) },
      localSms,
    });
    apps.set(env, app);
  }
  return app;
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await appFor(env).fetch(request, env, ctx);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The message names the settings and what is wrong with them, never their values.
      console.error(error.message);
      return new Response(`sms-signup is misconfigured.\n${error.message}\n`, { status: 500 });
    }
  },
  /** The Cron Trigger: a safety net that wakes the outbox sender, should a turn's own wake-up have been lost. */
  async scheduled(_controller, env) {
    await wakeOutbox(env);
  },
} satisfies ExportedHandler<Env>;
