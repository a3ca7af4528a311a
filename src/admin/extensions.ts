import type { Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import type { z } from "zod";

/** What the API hands an extension: the same checked responses and error shape as its own routes. */
export interface ApiTools {
  send<S extends z.ZodType>(c: Context, schema: S, data: z.input<S>): Response;
  bad(c: Context, error: z.ZodError): Response;
}

/**
 * A part of the service that operators see and steer (the product webhook, the SMS pumping defences), added to the
 * operator API and pages without those knowing it: routes behind the same token and session, a card on /admin.
 */
export interface AdminExtension {
  /** Routes under /admin/api, behind the bearer token. */
  api?(api: Hono, tools: ApiTools): void;
  /** Form handlers under /admin, behind the session and its form token; they redirect back to /admin. */
  // biome-ignore lint/suspicious/noExplicitAny: the pages' Hono env is theirs; handlers only read forms and params
  pages?(pages: Hono<any>, operator: string): void;
  /** A card on the dashboard; forms in it carry the session's form token. */
  panel?(csrf: string): Promise<Child>;
  /** What /admin?done=KEY says after one of its forms. */
  notices?: Record<string, string>;
  /** Its routes in the API's OpenAPI document. */
  openApiPaths?: Record<string, unknown>;
}
