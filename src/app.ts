import { Hono } from "hono";
import type { ConversationEngine } from "./conversation/engine.js";
import type { Logger } from "./conversation/ports.js";
import { answerErrors } from "./http/error-handler.js";
import type { Metrics } from "./metrics/port.js";
import { parseInboundSms } from "./twilio/inbound-form.js";
import type { HmacSha1 } from "./twilio/signature.js";
import { messagingResponse } from "./twilio/twiml.js";
import { type BodyText, twilioWebhook, type WebhookVariables } from "./twilio/webhook.js";

export interface AppParts {
  engine: Pick<ConversationEngine, "handle" | "apology">;
  logger: Logger;
  metrics?: Pick<Metrics, "webhookRejected">;
  authToken: string;
  publicUrl: string;
  /** The HMAC that checks webhook signatures, where the runtime has a faster one than Web Crypto's (Node). */
  hmac?: HmacSha1 | undefined;
  /** How the webhook reads its body, where the runtime has a cheaper way than bytes decoded (Node). */
  bodyText?: BodyText | undefined;
  /** True when the database answers. */
  checkHealth: () => Promise<boolean>;
  /** Further signed Twilio webhooks under /sms (delivery status). */
  mountWebhooks?: (webhook: Hono<{ Variables: WebhookVariables }>) => void;
  /** Further routes (operators), mounted on the same app. */
  mount?: (app: Hono) => void;
}

/** How long /healthz waits for the database before it answers 503. */
const HEALTH_TIMEOUT_MS = 2_000;

/** Routes only: every part is built elsewhere and handed in. */
export function createApp(parts: AppParts): Hono {
  const app = new Hono();
  const webhook = new Hono<{ Variables: WebhookVariables }>();
  const xml = (body: string) =>
    new Response(body, { status: 200, headers: { "Content-Type": "text/xml; charset=utf-8" } });

  webhook.use(
    ...twilioWebhook({
      authToken: parts.authToken,
      publicUrl: parts.publicUrl,
      hmac: parts.hmac,
      bodyText: parts.bodyText,
      onRejected: (reason) => {
        parts.logger.warn({ reason }, "webhook rejected");
        parts.metrics?.webhookRejected(reason);
      },
    }),
  );
  webhook.post("/", async (c) => {
    const form = parseInboundSms(c.get("twilioParams"));
    if (!form.ok) {
      parts.metrics?.webhookRejected("invalid form");
      return c.text(form.message, 400);
    }
    try {
      const outcome = await parts.engine.handle({
        messageSid: form.value.MessageSid,
        from: form.value.From.phone,
        channel: form.value.From.channel,
        body: form.value.Body,
        optOutType: form.value.OptOutType,
      });
      return xml(messagingResponse(outcome.replies));
    } catch (error) {
      // Never a 500 to Twilio: the person gets a clear word, and the message was released for a retry.
      parts.logger.error({ err: error, messageSid: form.value.MessageSid }, "turn failed");
      return xml(messagingResponse([parts.engine.apology(form.value.From.phone)]));
    }
  });
  parts.mountWebhooks?.(webhook);
  app.route("/sms", webhook);

  app.get("/healthz", async (c) => {
    // A database that stopped answering without closing its sockets must not hold the probe past its own timeout.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
    });
    const healthy = await Promise.race([parts.checkHealth().catch(() => false), timeout]);
    clearTimeout(timer);
    return c.json({ ok: healthy, database: healthy ? "up" : "down" }, healthy ? 200 : 503);
  });

  parts.mount?.(app);

  app.notFound((c) => c.text("Not found", 404));
  app.onError(answerErrors(parts.logger, "request failed", (c) => c.text("Internal server error", 500)));
  return app;
}
