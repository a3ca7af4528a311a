import { type Context, Hono } from "hono";
import type { z } from "zod";
import type { ConversationEngine } from "../conversation/engine.js";
import type { Clock, Logger } from "../conversation/ports.js";
import { answerErrors } from "../http/error-handler.js";
import type { AttemptLimiter } from "./attempt-limiter.js";
import { bearerAuth, type OperatorSessionStore } from "./auth.js";
import type { AdminExtension } from "./extensions.js";
import type { ApiReferenceAssets } from "./pages/api-reference.js";
import { type AdminQueries, InvalidCursorError } from "./queries.js";
import {
  conversationDetail,
  conversationList,
  detailQuery,
  erasureList,
  erasureResult,
  listQuery,
  openApiDocument,
  phoneParam,
  resetResult,
  statsQuery,
  statsSchema,
} from "./schemas.js";

export interface AdminParts {
  queries: AdminQueries;
  engine: Pick<ConversationEngine, "reset" | "erase">;
  adminToken: string | undefined;
  publicUrl: string;
  clock: Clock;
  logger: Logger;
  /** Swagger UI's files for the API reference page, where the entry could read them. */
  apiReference?: ApiReferenceAssets | undefined;
  extensions?: AdminExtension[];
  /** Operator sessions of the pages. */
  sessions: OperatorSessionStore;
  /** Aborted when the service shuts down: open pages' live streams end, so they do not hold the server open. */
  stopping?: AbortSignal | undefined;
}

/** What the API and the pages share beyond their parts: one count of wrong tokens per client for both. */
export interface AdminGuards {
  attempts: AttemptLimiter;
}

export const API_OPERATOR = "operator (API)";
const WEEK_MS = 7 * 24 * 60 * 60_000;

/** The JSON API under /admin/api: what Studio offers for executions, for our conversations. */
export function createAdminApi(
  parts: AdminParts,
  guards: AdminGuards,
  { signedIn }: { signedIn?: (c: Context) => Promise<boolean> } = {},
): Hono {
  const api = new Hono();
  // Conversations are personal data: no cache keeps them, and no browser reads a JSON answer as anything else.
  api.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  });
  // The description also opens in the browser of a signed-in operator (the API reference page reads it from here).
  api.get("/openapi.json", async (c, next) => {
    if (signedIn && (await signedIn(c))) return c.json(openApiDocument(parts.publicUrl));
    await next();
  });
  api.use("*", bearerAuth(parts.adminToken, guards.attempts));

  /** Nothing leaves unchecked: a response that does not fit its schema is a bug, and must not leak a field. */
  const send = <S extends z.ZodType>(c: Context, schema: S, data: z.input<S>, status: 200 = 200) => {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      parts.logger.error(
        { path: c.req.path, issues: parsed.error.issues.slice(0, 5) },
        "operator API response failed its schema",
      );
      return c.json({ error: "internal error" }, 500);
    }
    return c.json(parsed.data as object, status);
  };
  const bad = (c: Context, error: z.ZodError) =>
    c.json(
      { error: error.issues.map((issue) => `${issue.path.join(".") || "request"}: ${issue.message}`).join("; ") },
      400,
    );
  const phoneOf = (c: Context) => phoneParam.safeParse(c.req.param("phone"));
  const notFound = (c: Context) => c.json({ error: "no conversation with this phone" }, 404);

  api.get("/openapi.json", (c) => {
    const document = openApiDocument(parts.publicUrl);
    for (const extension of parts.extensions ?? []) Object.assign(document.paths, extension.openApiPaths);
    return c.json(document);
  });

  api.get("/conversations", async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return bad(c, query.error);
    return send(c, conversationList, await parts.queries.listConversations(query.data));
  });

  api.get("/conversations/:phone", async (c) => {
    const phone = phoneOf(c);
    if (!phone.success) return bad(c, phone.error);
    const page = detailQuery.safeParse(c.req.query());
    if (!page.success) return bad(c, page.error);
    const detail = await parts.queries.getConversation(phone.data, page.data);
    return detail ? send(c, conversationDetail, detail) : notFound(c);
  });

  api.post("/conversations/:phone/reset", async (c) => {
    const phone = phoneOf(c);
    if (!phone.success) return bad(c, phone.error);
    if (!(await parts.queries.exists(phone.data))) return notFound(c);
    await parts.engine.reset(phone.data, API_OPERATOR);
    const detail = await parts.queries.getConversation(phone.data);
    return send(c, resetResult, { phone: phone.data, state: detail?.state ?? "new" });
  });

  api.delete("/conversations/:phone", async (c) => {
    const phone = phoneOf(c);
    if (!phone.success) return bad(c, phone.error);
    if (!(await parts.queries.exists(phone.data))) return notFound(c);
    const removed = await parts.engine.erase(phone.data, API_OPERATOR);
    return send(c, erasureResult, { erased: true, removed });
  });

  api.get("/erasures", async (c) => send(c, erasureList, await parts.queries.listErasures()));

  api.get("/stats", async (c) => {
    const query = statsQuery.safeParse(c.req.query());
    if (!query.success) return bad(c, query.error);
    const to = query.data.to ?? parts.clock.now();
    const from = query.data.from ?? to - WEEK_MS;
    if (from >= to) return c.json({ error: "from must be before to" }, 400);
    return send(c, statsSchema, await parts.queries.stats(from, to));
  });

  for (const extension of parts.extensions ?? []) extension.api?.(api, { send, bad });

  api.notFound((c) => c.json({ error: "not found" }, 404));
  const answerError = answerErrors(parts.logger, "operator API request failed", (c) =>
    c.json({ error: "internal error" }, 500),
  );
  // A cursor is the client's to pass back: one we did not give out is its mistake, wherever the query finds it.
  api.onError((error, c) =>
    error instanceof InvalidCursorError ? c.json({ error: error.message }, 400) : answerError(error, c),
  );
  return api;
}
